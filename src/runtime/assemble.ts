/**
 * Assembles the AlertProcessor from a runtime and adapters: the same assembly for the processor
 * Lambda (DynamoDB state, SES/SNS/webhooks) and for `scan` (memory state, outbox).
 */
import {
  AlertedEvents,
  DEDUPE_TTL_SECONDS,
  DELIVERY_LEASE_SECONDS,
  DeliveryLedger,
  DeliveryReceipts,
  Grouping,
} from '../alerts';
import type { CorrelationStore, DueIndex, StateStore } from '../alerts/state';
import type { NamedDestination, FindingsAccount } from '../notify';
import type { AccountDirectory, OrgPolicy, AccountsConfig } from '../org';
import { CorrelationEngine } from '../alerts/correlate';
import type { DetectionContent } from './build';
import { AlertProcessor, type AlertSender, type IpContextLookup } from './process';

export { DEDUPE_TTL_SECONDS };

export interface ProcessorAdapters {
  store: StateStore & CorrelationStore & DueIndex;
  sender: AlertSender;
  directory: AccountDirectory;
  ipContext?: IpContextLookup;
  /** SES configuration set for email destinations that name none (the stack's own). */
  defaultConfigurationSet?: string;
  now?: () => Date;
}

export function destinationsOf(
  config: AccountsConfig,
  defaultConfigurationSet?: string,
): Map<string, NamedDestination> {
  return new Map(
    Object.entries(config.destinations ?? {}).map(([name, destination]) => [
      name,
      {
        name,
        destination:
          destination.type === 'email' && !destination.configurationSet && defaultConfigurationSet
            ? { ...destination, configurationSet: defaultConfigurationSet }
            : destination,
      },
    ]),
  );
}

/** Where Security Hub findings go: the security account, in the home region, where the processor runs. */
export function findingsAccountOf(config: AccountsConfig): FindingsAccount {
  return { accountId: config.organization.securityAccountId, region: config.organization.homeRegion };
}

export function assembleProcessor(
  config: AccountsConfig,
  content: DetectionContent,
  policy: OrgPolicy,
  adapters: ProcessorAdapters,
): AlertProcessor {
  return new AlertProcessor({
    directory: adapters.directory,
    policy,
    ledger: new DeliveryLedger(adapters.store, { ttlSeconds: DEDUPE_TTL_SECONDS, now: adapters.now }),
    receipts: new DeliveryReceipts(adapters.store, DEDUPE_TTL_SECONDS, adapters.now),
    alerted: new AlertedEvents(adapters.store, { now: adapters.now }),
    // A carried digest is leased as long as its carrier alert, so no flush sends it meanwhile.
    grouping: new Grouping(adapters.store, { now: adapters.now, leaseSeconds: DELIVERY_LEASE_SECONDS }),
    correlations:
      content.correlations.length > 0
        ? new CorrelationEngine(content.correlations, adapters.store, { now: adapters.now })
        : undefined,
    filters: content.bundle.filters,
    ipContext: adapters.ipContext,
    destinations: destinationsOf(config, adapters.defaultConfigurationSet),
    sender: adapters.sender,
    now: adapters.now,
  });
}
