// Stub until the sharded index reader lands.
import type { FilePool, FileRef } from './file';
import { UnsupportedFormat } from './errors';
import type { Entry, OpenOptions } from './source';

export async function readShardIndex(ref: FileRef, _pool: FilePool, _options: OpenOptions): Promise<Entry[]> {
  throw new UnsupportedFormat(ref.path, 'sharded index files are not supported yet');
}
