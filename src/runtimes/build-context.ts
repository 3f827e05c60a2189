import { createReadStream, lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ImageBuildRequest } from './image-builder.ts';

/** The context as a tar stream: the Dockerfile, the in-memory files, then the folder's files (streamed, one at a time). */
export function packContext(request: ImageBuildRequest): tar.Pack {
  const pack = tar.pack();
  pack.entry({ name: 'Dockerfile' }, request.dockerfile);
  for (const [name, content] of Object.entries(request.files)) pack.entry({ name, mode: 0o755 }, content);
  const folder = request.folder;
  if (!folder) {
    pack.finalize();
    return pack;
  }
  void (async () => {
    pack.entry({ name: `${folder.prefix}/`, type: 'directory', mode: 0o755 });
    for (const rel of folder.files) {
      const abs = join(folder.root, rel);
      const stat = lstatSync(abs, { throwIfNoEntry: false });
      if (!stat) continue; // removed meanwhile
      const name = `${folder.prefix}/${rel}`;
      if (stat.isSymbolicLink()) {
        pack.entry({ name, type: 'symlink', linkname: readlinkSync(abs) });
        continue;
      }
      const entry = pack.entry({ name, size: stat.size, mode: stat.mode & 0o7777, mtime: stat.mtime });
      await pipeline(createReadStream(abs, { end: Math.max(0, stat.size - 1), start: 0 }), entry);
    }
    pack.finalize();
  })().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  return pack;
}
