// Loaded by scripts/unit-tests.sh (`--import`) into every process node:test starts for a test file.
// The runner points TMPDIR at a fresh folder of its own; here each test file gets its own subfolder
// of it, so whatever a test leaves behind (itself, a child process it spawned, a worker) is found
// after the run under the name of the file that left it. os.tmpdir() reads TMPDIR on every call
// and child processes inherit the environment, so setting it once here, before the tests load,
// reaches all of them.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const runTmp = process.env.ALIGN_TEST_TMPDIR;
const testFile = process.argv[1];
// Only in a test file's own process (node:test marks it), not in the runner that starts them.
if (runTmp && process.env.NODE_TEST_CONTEXT && testFile) {
  const name = tmpdirNameFor(testFile);
  const dir = path.join(runTmp, name);
  fs.mkdirSync(dir, { recursive: true });
  // Which file the folder belongs to, for the runner's report (outside the folders it checks).
  fs.mkdirSync(path.join(runTmp, '.owners'), { recursive: true });
  fs.writeFileSync(path.join(runTmp, '.owners', name), path.relative(process.cwd(), testFile));
  // tsx keeps its compile cache in os.tmpdir(); the runner links its usual one into its folder,
  // and child processes started with `--import tsx` get the same link here (warm, not a leftover).
  const tsxCache = `tsx-${process.geteuid?.() ?? os.userInfo().username}`;
  const shared = path.join(runTmp, tsxCache);
  if (fs.existsSync(shared)) fs.symlinkSync(fs.readlinkSync(shared), path.join(dir, tsxCache));
  process.env.TMPDIR = dir;
}

/**
 * The subfolder's name for a test file: its path from the repository without `test/` and
 * `.test.ts`, slashes as dots (`unit.dataset`). Kept short, as Chromium puts unix sockets under TMPDIR.
 */
function tmpdirNameFor(file: string): string {
  const rel = path.relative(process.cwd(), fs.realpathSync(file));
  return rel.replace(/^test\//, '').replace(/\.test\.ts$/, '').replace(/[\\/]/g, '.');
}
