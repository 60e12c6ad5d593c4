// Serves the packaged extension in a local VS Code (code-server) for a person to use in a browser.
// Usage: node test/host/serve.mjs --vsix FILE --folder DIR [--port N] [--check]
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO, installVsix, startCodeServer } from './codeServer.mjs';

const { values: opt } = parseArgs({ options: { vsix: { type: 'string' }, folder: { type: 'string' }, port: { type: 'string', default: '8080' }, check: { type: 'boolean', default: false } } });
// A persistent profile, so settings and the API key survive restarts of `npm start`.
const root = path.join(REPO, '.vscode-test', 'profile');
fs.mkdirSync(root, { recursive: true });
installVsix(root, path.resolve(opt.vsix));
const server = await startCodeServer({ root, folder: path.resolve(opt.folder), port: Number(opt.port) });
const url = `${server.url}/?folder=${encodeURIComponent(path.resolve(opt.folder))}`;
if (opt.check) {
  const res = await fetch(url);
  const installed = fs.readdirSync(path.join(root, 'extensions')).some((d) => d.startsWith('alignment-research.alignment-research-assistant'));
  console.log(`workbench HTTP ${res.status}; extension installed: ${installed}`);
  await server.stop();
  process.exit(res.status === 200 && installed ? 0 : 1);
}
console.log(`\nThe Alignment Research Assistant is running in VS Code at:\n\n  ${url}\n\nOpen it in a browser. Press Ctrl+C to stop.\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
