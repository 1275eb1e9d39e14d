/**
 * class-transformer keeps every @Type/@Expose/@Exclude/@Transform in this one storage, which its package index does
 * not export. Read by instance-plan.ts, which checks on load that it is the storage the public `Type` writes to.
 */
declare module 'class-transformer/cjs/storage.js' {
  import type { MetadataStorage } from 'class-transformer/types/MetadataStorage.js';

  export const defaultMetadataStorage: MetadataStorage;
}
