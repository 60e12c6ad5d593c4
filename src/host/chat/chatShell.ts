import * as vscode from 'vscode';
import type { AlignmentChat } from './chatParticipant';
import type { ChatTools, ChatToolName } from './chatTools';
import type { McpCommand } from './mcpDefinition';
import { CHAT_SAVE_COMMAND } from '../commandIds';
import { isCancellation } from '../cancellation';
import { describeError } from '../../core/errors';

/** What the chat surface needs from the loaded host bundle. */
export interface ChatHost {
  chat: AlignmentChat;
  tools: ChatTools;
  mcpCommand(): McpCommand;
}

const PARTICIPANT_ID = 'alignment.assistant';
const TOOL_NAMES: ChatToolName[] = ['alignment_searchLibrary', 'alignment_searchPaper', 'alignment_listTasks', 'alignment_saveInstance'];
const MCP_PROVIDER_ID = 'alignment.mcp';

// registerMcpServerDefinitionProvider and McpStdioServerDefinition arrived in VS Code 1.101; the
// extension supports older editors, which simply get no MCP server.
interface McpApi {
  registerMcpServerDefinitionProvider(id: string, provider: { onDidChangeMcpServerDefinitions?: vscode.Event<void>; provideMcpServerDefinitions(token: vscode.CancellationToken): vscode.ProviderResult<unknown[]> }): vscode.Disposable;
}
type McpStdioDefinitionCtor = new (label: string, command: string, args: string[], env: Record<string, string>, version?: string) => unknown;

/**
 * Registers the `@alignment` participant, the agent-mode tools, the MCP server definition and the
 * chat's Save command at activation. Each handler loads the host bundle on first use, so
 * activation stays cheap.
 */
export function registerChatSurface(context: vscode.ExtensionContext, host: () => Promise<ChatHost>, log: vscode.LogOutputChannel): void {
  // The chat's first request fails with "Language model unavailable" until some model has been
  // resolved once; asking for the list early avoids it (measured in code-server 1.139).
  void Promise.resolve(vscode.lm.selectChatModels()).catch(() => undefined);

  const participant = vscode.chat.createChatParticipant(PARTICIPANT_ID, async (request, ctx, stream, token) => (await host()).chat.handle(request, ctx, stream, token));
  participant.iconPath = new vscode.ThemeIcon('beaker');
  // Asked only after an answer, when the host bundle is loaded: loading it here would cost
  // activation most of a second.
  participant.followupProvider = { provideFollowups: async (result) => (await host()).chat.followups(result) };
  context.subscriptions.push(
    participant,
    participant.onDidReceiveFeedback((fb) => {
      void host()
        .then((h) => h.chat.feedback(fb))
        .catch((e: unknown) => log.error(`Could not store the chat rating: ${String(e)}`));
    }),
    vscode.commands.registerCommand(CHAT_SAVE_COMMAND, async (turnKey: unknown, editedText?: unknown) => {
      try {
        return await (await host()).chat.save(turnKey, editedText);
      } catch (e) {
        // A dismissed dialog is the researcher's choice; a failure says what to do (its hint).
        if (isCancellation(e)) return undefined;
        const message = describeError(e);
        log.error(`Saving a chat answer failed: ${message}`);
        void vscode.window.showErrorMessage(`Alignment: ${message}`);
        return undefined;
      }
    }),
  );

  for (const name of TOOL_NAMES) {
    context.subscriptions.push(
      vscode.lm.registerTool<unknown>(name, {
        invoke: async (options, token) => (await host()).tools.invoke(name, options.input, token),
        prepareInvocation: async (options) => (await host()).tools.prepare(name, options.input),
      }),
    );
  }

  const mcp = vscode.lm as unknown as Partial<McpApi>;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: McpStdioDefinitionCtor }).McpStdioServerDefinition;
  if (typeof mcp.registerMcpServerDefinitionProvider === 'function' && Definition) {
    const changed = new vscode.EventEmitter<void>();
    context.subscriptions.push(
      changed,
      // The server's folders come from these settings: a change gives agents a new definition.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('alignment.datasetFolder') || e.affectsConfiguration('alignment.library.folder')) changed.fire();
      }),
      mcp.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: changed.event,
        provideMcpServerDefinitions: async () => {
          const c = (await host()).mcpCommand();
          return [new Definition(c.label, c.command, c.args, c.env, c.version)];
        },
      }),
    );
  }
}
