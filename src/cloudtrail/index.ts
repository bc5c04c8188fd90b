/** Reading CloudTrail: files and streams, log object keys, the actor and target of a record. */
export { actorOf } from './actor';
export { accountOf, decodeS3EventKey, isCloudTrailLogKey, parseTrailKey } from './keys';
export {
  eventFileEntries,
  FileProblems,
  openEventFile,
  openEventInput,
  parseRawRecord,
  readEvents,
  skippedFile,
  type ReadOptions,
} from './read';
export { targetOf, type Target } from './target';
export type { Actor, RecordSource, SourcedRecord } from './types';
