// Runs the same integration suite in a desktop VS Code through @vscode/test-electron, for
// machines that have one (or can download one). Not part of `npm test`: the machine CI runs on
// cannot reach the VS Code download server, so runIntegration.mjs (code-server) is the default.
//
// Usage: node test/host/runElectron.mjs [--workspace DIR] [--version stable|insiders|1.95.0]
//   VSCODE_EXECUTABLE=/path/to/code   use an installed VS Code instead of downloading one
//   ALIGN_TEST_* variables reach the tests, as with runIntegration.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, clock, tempRoot } from './codeServer.mjs';

const { values: opt } = parseArgs({
  options: { workspace: { type: 'string' }, version: { type: 'string' } },
});
const at = clock();
const testsPath = path.join(REPO, 'out', 'test', 'integration', 'index.js');
if (!fs.existsSync(testsPath)) {
  console.error(`No built suite at ${path.relative(REPO, testsPath)}: run "node esbuild.mjs" first.`);
  process.exit(1);
}

const root = tempRoot('align-el-');
const workspace = path.join(root, 'workspace');
if (opt.workspace) fs.cpSync(path.resolve(opt.workspace), workspace, { recursive: true });
else fs.mkdirSync(workspace, { recursive: true });
const testEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ALIGN_TEST_')));
testEnv.ALIGN_TEST_WORKSPACE = workspace;
testEnv.ALIGN_TEST_ARTIFACTS ??= path.join(REPO, 'test-artifacts');

let code = 1;
try {
  const { runTests } = await import('@vscode/test-electron');
  await runTests({
    extensionDevelopmentPath: REPO,
    extensionTestsPath: testsPath,
    extensionTestsEnv: testEnv,
    ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
    ...(opt.version ? { version: opt.version } : {}),
    // Other installed extensions stay out of the run; a fresh profile keeps it repeatable.
    launchArgs: [
      workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      `--user-data-dir=${path.join(root, 'user-data')}`,
    ],
  });
  code = 0;
} catch (e) {
  console.error(`[${at()}] desktop VS Code run failed: ${e instanceof Error ? e.message : e}`);
} finally {
  if (process.env.KEEP_TMP) console.log(`kept ${root}`);
  else fs.rmSync(root, { recursive: true, force: true });
}
console.log(`[${at()}] desktop VS Code run finished with code ${code}`);
process.exit(code);
