/** The state port and its adapters: import from here. */
export * from './store';
export { MemoryStateStore, type MemoryStoreOptions } from './memory-store';
export { DynamoStateStore, type DynamoStoreOptions } from './dynamodb-store';
