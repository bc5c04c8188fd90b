/**
 * The names the security stack gives the retro-hunt and that the CLI and the results reader
 * derive again: the state machine, the hunt bucket and its folders, all from the deployment name.
 * One definition each, so the stack (stacks/resource-names.ts, stacks/constructs/retro-hunt.ts)
 * and `trailalerts hunt` cannot drift apart. Pure: the stack imports it.
 */

/** accounts.yaml `deployment.name` when none is given. */
export const DEFAULT_DEPLOYMENT_NAME = 'trailalerts';

/** Where the Distributed Map's ResultWriter writes child results in the hunt bucket. */
export const HUNT_RESULTS_PREFIX = 'results/';
/** Where `trailalerts hunt` writes the prefix manifests of large hunts. */
export const HUNT_MANIFESTS_PREFIX = 'manifests/';

const STATE_MACHINE_SUFFIX = '-retro-hunt';

/** `<deployment>-retro-hunt`. */
export function huntStateMachineName(deployment: string): string {
  return `${deployment}${STATE_MACHINE_SUFFIX}`;
}

/** `<deployment>-hunt-<account>-<region>` (at most 63 characters for a 20-character deployment name). */
export function huntBucketName(deployment: string, account: string, region: string): string {
  return `${deployment}-hunt-${account}-${region}`;
}

/**
 * The deployment a state machine name belongs to; the default one for a name the stack did not
 * give (then the hunt bucket is best named explicitly).
 */
export function deploymentOfStateMachine(name: string): string {
  return name.endsWith(STATE_MACHINE_SUFFIX) && name.length > STATE_MACHINE_SUFFIX.length
    ? name.slice(0, -STATE_MACHINE_SUFFIX.length)
    : DEFAULT_DEPLOYMENT_NAME;
}
