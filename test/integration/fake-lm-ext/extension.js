// A language-model provider for the integration tests (vscode.lm.registerLanguageModelChatProvider):
// one model, "Fake LM", that streams a scripted reply in small pieces and records every request it
// receives. It is registered only between alignFakeLm.enable and alignFakeLm.disable, so suites
// that test "no model configured" do not see it.
const vscode = require('vscode');

const MODEL = {
  id: 'fake-lm-1',
  name: 'Fake LM',
  family: 'fake',
  version: '1',
  maxInputTokens: 64000,
  maxOutputTokens: 4096,
  tooltip: 'Test model',
  capabilities: {},
  // Offered in the chat's model picker (the chat needs a picked model to send a request).
  isUserSelectable: true,
};

/** The reply: text, chunk size, delay between chunks, or a failure. */
let reply = { text: 'The KL penalty keeps the policy close to its initial distribution [P2].', chunk: 6, delayMs: 5 };
const requests = [];

function textOf(message) {
  return message.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : typeof p.value === 'string' ? p.value : '')).join('');
}

const provider = {
  provideLanguageModelChatInformation: () => [MODEL],
  async provideLanguageModelChatResponse(model, messages, options, progress, token) {
    const record = { model: model.id, messages: messages.map((m) => ({ role: m.role, text: textOf(m) })), modelOptions: options.modelOptions ?? {} };
    requests.push(record);
    if (reply.error) throw new Error(reply.error);
    const text = typeof reply.text === 'function' ? reply.text(record) : reply.text;
    for (let i = 0; i < text.length; i += reply.chunk) {
      if (token.isCancellationRequested) return;
      progress.report(new vscode.LanguageModelTextPart(text.slice(i, i + reply.chunk)));
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    }
  },
  async provideTokenCount(_model, text) {
    const s = typeof text === 'string' ? text : textOf(text);
    return Math.ceil(s.length / 4);
  },
};

function activate(context) {
  let registration;
  context.subscriptions.push(
    vscode.commands.registerCommand('alignFakeLm.enable', () => {
      registration ??= vscode.lm.registerLanguageModelChatProvider('align-fake', provider);
      return true;
    }),
    vscode.commands.registerCommand('alignFakeLm.disable', () => {
      registration?.dispose();
      registration = undefined;
      return true;
    }),
    vscode.commands.registerCommand('alignFakeLm.setReply', (r) => {
      reply = { chunk: 6, delayMs: 5, ...r };
      return true;
    }),
    vscode.commands.registerCommand('alignFakeLm.requests', () => requests.slice()),
    { dispose: () => registration?.dispose() },
  );
}

module.exports = { activate, deactivate() {} };
