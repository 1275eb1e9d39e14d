export { encodeSnapshot, openSnapshot, SnapshotRejected, SNAPSHOT_FORMAT, MAX_SNAPSHOT_BYTES, MAX_SNAPSHOT_ROWS, MAX_ROW_BYTES, type SnapshotHeader, type SealedSnapshot, type ChunkSink } from './snapshot-file.js';
export { DirectorySnapshotStore, type SnapshotStore } from './snapshot-store.js';
