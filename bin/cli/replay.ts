/** `trailalerts replay`: moves messages from a dead-letter queue back to its source queue. */
import { Command } from 'commander';

export function replayCommand(): Command {
  return new Command('replay')
    .description(
      'move messages from a dead-letter queue (objects, matches or a GuardDuty forwarding DLQ) back to the queue that should have them, after fixing the cause',
    )
    .requiredOption('--from <queueUrl>', 'URL of the dead-letter queue')
    .requiredOption('--to <queueUrl>', 'URL of the queue to send the messages back to')
    .option('--max <n>', 'move at most n messages', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`--max: expected a positive integer, got "${v}"`);
      return n;
    })
    .option('--dry-run', 'only count the messages (they become visible again after 60 s)')
    .option(
      '--max-message-bytes <n>',
      "the target queue's MaximumMessageSize; larger messages are reported and left in the DLQ (default 1048576)",
      (v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n <= 0)
          throw new Error(`--max-message-bytes: expected a positive integer, got "${v}"`);
        return n;
      },
    )
    .option(
      '--region <region>',
      'AWS region of both queues (default: each from its own URL, else the environment)',
    )
    .action(
      async (opts: {
        from: string;
        to: string;
        max?: number;
        dryRun?: boolean;
        maxMessageBytes?: number;
        region?: string;
      }) => {
        const regionOf = (url: string) => /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
        const region = opts.region ?? regionOf(opts.from);
        // A DLQ in another region than its target (GuardDuty forwarding): a client per region.
        const targetRegion = opts.region ?? regionOf(opts.to) ?? region;
        try {
          const [{ SQSClient }, { replayQueue }] = await Promise.all([
            import('@aws-sdk/client-sqs'),
            import('../../src/runtime/replay'),
          ]);
          const sqs = new SQSClient(region ? { region } : {});
          const result = await replayQueue({
            sqs,
            targetSqs:
              targetRegion !== region
                ? new SQSClient(targetRegion ? { region: targetRegion } : {})
                : undefined,
            fromQueueUrl: opts.from,
            toQueueUrl: opts.to,
            max: opts.max,
            dryRun: opts.dryRun,
            maxMessageBytes: opts.maxMessageBytes,
          });
          for (const p of result.problems)
            process.stderr.write(
              `${opts.dryRun ? 'would be left' : 'left'} in the DLQ: message ${p.messageId} (${p.bytes} bytes): ${p.reason}\n`,
            );
          process.stdout.write(
            opts.dryRun
              ? `${result.received} messages in the DLQ, ${result.failed} of them cannot be sent (dry run: nothing moved)\n`
              : `${result.moved} messages moved, ${result.failed} could not be sent (left in the DLQ)\n`,
          );
          process.exitCode = result.failed > 0 ? 1 : 0;
        } catch (err) {
          process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
          process.exitCode = 1;
        }
      },
    );
}
