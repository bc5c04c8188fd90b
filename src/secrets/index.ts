/** The one cached Secrets Manager reader. */
export type { SecretReader } from './secret-reader';
export { SecretsManagerReader } from './secrets-manager-reader';
