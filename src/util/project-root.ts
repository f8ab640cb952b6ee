/** The project's root folder, whether code runs from source (tsx, jest) or from dist/. */
import { existsSync } from 'node:fs';
import path from 'node:path';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${start}`);
  }
}

/** Absolute path of the folder holding package.json. */
export const projectRoot = findRoot(__dirname);
