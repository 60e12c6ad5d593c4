// The entry the extension host loads (extensionTestsPath): the same contract under code-server
// (test/host/runIntegration.mjs) and desktop VS Code (test/host/runElectron.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Runs every *.test.js beside this file with mocha; rejects when any test fails. */
export function run(): Promise<void> {
  // Loaded from the repository's node_modules at run time: the bundle keeps mocha external.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const grep = process.env.ALIGN_TEST_GREP;
  if (grep) mocha.grep(grep);
  // The restricted-mode suite needs an untrusted folder: it runs alone, in its own launch
  // (runIntegration.mjs --untrusted); every other suite runs in a trusted one.
  const untrusted = process.env.ALIGN_TEST_UNTRUSTED === '1';
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js') && f.startsWith('restrictedMode') === untrusted)
    .sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        // Counted from what ran, so a grep or a skipped test does not count as passed.
        const passed = runner.stats?.passes ?? mocha.suite.total() - failures;
        // The plain closing line CI and scripts/test-all.sh read.
        console.log(`${passed} passed, ${failures} failed`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (e) {
      // A test file that throws while loading: report it as a failure instead of hanging the host.
      console.log(`0 passed, ${Math.max(1, files.length)} failed`);
      reject(e instanceof Error ? e : new Error(String(e)));
    }
  });
}
