/** Makes a file-registry folder unusable, the way a wiped or damaged shared folder would be. */
import { rm, writeFile } from 'node:fs/promises';
import { pollUntil } from './wait.js';

/**
 * Replaces a folder by a plain file, which neither readdir nor mkdir can use.
 * A poll may recreate the folder between the removal and the write: then it
 * tries again, for at most `timeoutMs`.
 */
export async function blockFolder(folder: string, timeoutMs: number): Promise<void> {
  const replaced = async () => {
    await rm(folder, { recursive: true, force: true });
    return writeFile(folder, 'not a folder', { flag: 'wx' }).then(
      () => true,
      () => false,
    );
  };
  await pollUntil(replaced, timeoutMs, `${folder} to be replaced by a file`, 0);
}
