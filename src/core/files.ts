/** Durable file writes: data reaches the disk before it becomes visible under its final name. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** fsyncs a directory so that a rename inside it survives a crash (no-op where unsupported). */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Windows cannot open directories; its renames are durable enough for our purpose.
  } finally {
    await handle?.close();
  }
}

/** Writes a whole file atomically: temporary file, fsync, rename, fsync of the folder. */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
  await fsyncDirectory(dirname(path));
}

/**
 * Makes a folder Medallion keeps beside a project (`.medallion/`) ignore itself in git, whatever
 * the project's own .gitignore says: a `.gitignore` holding `*` inside it (as Python's venv does).
 */
export function ignoreItselfInGit(folder: string): void {
  const file = join(folder, '.gitignore');
  if (existsSync(file)) return;
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, '# Created by Medallion: its simulation state and outbox stay out of git.\n*\n');
}
