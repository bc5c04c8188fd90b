/**
 * The analyzer's raw path: CloudTrail records read from bytes or a stream into views that parse
 * only what is asked of them. Other folders import this file only; the key-table layout, header
 * slots, value caches, the WebAssembly loop and the chunk sizes stay inside.
 */
export { RecordSource, type RecordInput, type RecordSourceOptions, type RecordSourceStats } from './source';
export type { RecordHeader, RecordView } from './view';
