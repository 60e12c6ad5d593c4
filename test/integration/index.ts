// The mocha entry the extension host loads (extensionTestsPath): the same contract under
// code-server (test/host/runIntegration.mjs) and desktop VS Code (test/host/runElectron.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';

export function run(): Promise<void> {
  // mocha is loaded from the repository's node_modules at run time, not bundled.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Mocha = require('mocha') as typeof import('mocha');
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  const only = process.env.ALIGN_TEST_GREP;
  if (only) mocha.grep(only);
  for (const f of fs.readdirSync(__dirname).sort()) {
    if (f.endsWith('.test.js')) mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      const total = mocha.suite.total();
      // The plain closing line CI reads.
      console.log(`${total - failures} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} of ${total} integration tests failed.`));
      else resolve();
    });
  });
}
