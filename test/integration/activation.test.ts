import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'alignment-research.alignment-research-assistant';

describe('Activation in a real VS Code', () => {
  it('finds the extension under development and activates it', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded in the extension host`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers the Ask About This Document command', async () => {
    // `true` leaves out internal commands; ours are public.
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('alignment.askAboutDocument'), 'alignment.askAboutDocument is registered');
  });

  it('opens the workspace folder the runner prepared', () => {
    const expected = process.env.ALIGN_TEST_WORKSPACE;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'a workspace folder is open');
    // Set by test/host/runIntegration.mjs; a desktop run (runElectron.mjs) sets it too.
    if (expected) assert.equal(folder.uri.fsPath, expected);
  });
});
