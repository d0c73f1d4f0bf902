// Stub until the folder reader lands.
import type { FilePool } from './file';
import { UnsupportedFormat } from './errors';
import type { Entry, OpenOptions } from './source';

export async function readFolder(path: string, _pool: FilePool, _options: OpenOptions): Promise<Entry[]> {
  throw new UnsupportedFormat(path, 'folders are not supported yet');
}
