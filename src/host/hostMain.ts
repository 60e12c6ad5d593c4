import * as vscode from 'vscode';
import type { CommandId } from './commandIds';
import type { LazyTreeProvider } from './lazyTreeProvider';
import type { ModelStatusItem } from './modelStatusItem';
import type { ConversationState } from '../protocol/panelProtocol';
import { logChannelLogger } from './logChannelLogger';
import { HostServices } from './hostServices';
import { Conversations } from './conversations';
import { createCommands } from './commands';
import { DatasetTreeProvider } from './datasetTree';
import { SOURCE_TEXT_SCHEME, SourceTextProvider } from './citationOpener';
import { DraftCritique } from './critique/critiqueComments';
import { useRemedyWording } from '../core/errors';
import { HOST_REMEDY_WORDING } from './remedyWording';
import { AlignmentChat } from './chat/chatParticipant';
import { ChatTools } from './chat/chatTools';
import { mcpCommand, type McpCommand } from './chat/mcpDefinition';
import { PdfViews } from './pdfView/pdfViews';

/** What the activation shell hands to the host bundle. */
export interface HostShell {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  tree: LazyTreeProvider;
  status: ModelStatusItem;
}

/** The loaded assistant, as the shell and the integration tests see it. */
export interface Host {
  run(id: CommandId, args: unknown[]): Promise<unknown>;
  datasetTree: DatasetTreeProvider;
  conversations: Conversations;
  services: HostServices;
  /** The open PDF views (the custom editor for *.pdf). */
  pdfViews: PdfViews;
  /** Draft critique as review comments (decisions, undo). */
  critique: DraftCritique;
  revivePanel(panel: vscode.WebviewPanel, state: unknown): Promise<void>;
  /** The @alignment chat participant, the agent-mode tools and the MCP server's command. */
  chat: AlignmentChat;
  tools: ChatTools;
  mcpCommand(): McpCommand;
}

/** The composition root: builds services, conversations, views and the command table once. */
export function createHost(shell: HostShell): Host {
  const { context } = shell;
  // Failures from the core name their remedy by code; the editor words it as commands and settings.
  useRemedyWording(HOST_REMEDY_WORDING);
  let services: HostServices | undefined;
  const logger = logChannelLogger(shell.log, () => services?.apiKeys.known() ?? []);
  services = new HostServices(shell, logger);
  const sourceText = new SourceTextProvider();
  const pdfViews = new PdfViews(context.extensionUri, logger);
  context.subscriptions.push(pdfViews);
  const datasetTree = new DatasetTreeProvider(services, () => shell.tree.refresh());
  const conversations = new Conversations(services, sourceText, () => datasetTree.refresh(), pdfViews);
  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SOURCE_TEXT_SCHEME, sourceText),
    datasetTree,
    vscode.workspace.onDidGrantWorkspaceTrust(() => datasetTree.refresh()),
  );
  const critique = new DraftCritique(services, sourceText, () => datasetTree.refresh());
  context.subscriptions.push(critique);
  const commands = createCommands(services, conversations, datasetTree, critique, sourceText, pdfViews);
  const chat = new AlignmentChat(services, sourceText, () => datasetTree.refresh());
  const tools = new ChatTools(services, () => datasetTree.refresh());
  return {
    chat,
    tools,
    mcpCommand: () => mcpCommand(services!),
    datasetTree,
    conversations,
    services,
    pdfViews,
    critique,
    run: (id, args) => commands[id](...args),
    revivePanel: (panel, state) => conversations.revive(panel, state as ConversationState | undefined),
  };
}
