import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlignError } from '../errors';

/**
 * Refuses a path inside the dataset that goes through a symbolic link: a task folder or a file
 * that is a link could send a save (or a read, printed back in a report) anywhere on the disk,
 * and a repository can ship such links. Every part below `root` is checked; parts that do not
 * exist yet are created later as real folders and files. The root itself is the researcher's
 * choice and may be a link. The file's own last part is also opened with O_NOFOLLOW (jsonlFile.ts).
 */
export function assertNoLinkBelow(root: string, file: string): void {
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new AlignError(`${file} is outside the dataset folder ${root}.`, 'dataset-outside', 'Use a path inside the dataset folder.');
  }
  let at = root;
  for (const part of rel.split(path.sep)) {
    at = path.join(at, part);
    if (!assertNotLink(at)) return;
  }
}

/** Throws when `at` is a symbolic link; returns whether it exists. */
export function assertNotLink(at: string): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(at);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
  if (st.isSymbolicLink()) {
    throw new AlignError(
      `${at} is a symbolic link; the dataset never follows links out of its folder.`,
      'dataset-link',
      'Replace the link with a real folder or file (copy the data into the dataset folder), or name the folder yourself (setting alignment.datasetFolder, or --dataset DIR), then try again.',
    );
  }
  return true;
}
