// Stub until the zip readers land.
import type { FileRef } from './file';
import { UnsupportedFormat } from './errors';
import type { Entry, OpenOptions } from './source';

export async function readZipTensors(ref: FileRef, _options: OpenOptions): Promise<Entry[]> {
  throw new UnsupportedFormat(ref.path, 'zip-based formats (.npz, torch.save) are not supported yet');
}
