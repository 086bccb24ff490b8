import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Write to a temporary file beside the target, fsync, rename: readers see the old or the new file, never half. */
export async function writeFileAtomic(target: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
