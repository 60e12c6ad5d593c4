// Temporary folders for tests that remove themselves: a test file's folders go when its tests
// have run, passed or failed. scripts/unit-tests.sh fails the run when a test leaves anything in
// the temp dir, so a test that makes a folder some other way must remove it itself (t.after).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after } from 'node:test';

const made = new Set<string>();

function removeAll(): void {
  for (const dir of made) {
    fs.rmSync(dir, { recursive: true, force: true });
    made.delete(dir);
  }
}

// Registered when the test file imports this module, so on the file's root: it runs after all its
// tests, whatever their outcome. 'exit' covers a run that ends before the hooks do.
after(removeAll);
process.on('exit', removeAll);

/** A fresh folder under os.tmpdir() named `<prefix>XXXXXX`, removed with its contents when the test file ends. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(dir);
  return dir;
}
