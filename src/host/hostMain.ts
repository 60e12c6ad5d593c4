import * as vscode from 'vscode';
import type { CommandId } from './commandIds';
import type { LazyTreeProvider } from './dataset/lazyTreeProvider';
import type { ModelStatusItem } from './model/modelStatusItem';
import type { ConversationState } from '../protocol/panelProtocol';
import { logChannelLogger } from './logChannelLogger';
import { HostServices } from './hostServices';
import { Conversations } from './conversation/conversations';
import { CONFIG_SECTION } from './commandIds';
import { createCommands } from './commands';
import { DatasetTreeProvider } from './dataset/datasetTree';
import { InstanceDocuments, INSTANCE_SCHEME } from './dataset/instanceCommands';
import { SOURCE_TEXT_SCHEME, SourceTextProvider } from './conversation/citationOpener';
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
  /** Where the extension's log files are (a test looks there for leaked secrets). */
  logUri: vscode.Uri;
}

/** The composition root: builds services, conversations, views and the command table once. */
export function createHost(shell: HostShell): Host {
  const { context, log } = shell;
  // Failures from the core name their remedy by code; the editor words it as commands and settings.
  useRemedyWording(HOST_REMEDY_WORDING);
  let services: HostServices | undefined;
  const logger = logChannelLogger(log, () => services?.apiKeys.known() ?? []);
  services = new HostServices(
    {
      secrets: context.secrets,
      globalStorageUri: context.globalStorageUri,
      extensionUri: context.extensionUri,
      workspaceState: context.workspaceState,
      extensionVersion: String((context.extension.packageJSON as { version?: unknown }).version ?? '0.0.0'),
    },
    logger,
  );
  const sourceText = new SourceTextProvider();
  const pdfViews = new PdfViews(context.extensionUri, logger);
  const datasetTree = new DatasetTreeProvider(services, () => shell.tree.refresh());
  const conversations = new Conversations(services, sourceText, () => datasetTree.refresh(), pdfViews);
  const critique = new DraftCritique(services, sourceText, () => datasetTree.refresh());
  context.subscriptions.push(
    services,
    pdfViews,
    datasetTree,
    critique,
    vscode.workspace.registerTextDocumentContentProvider(SOURCE_TEXT_SCHEME, sourceText),
    vscode.workspace.registerTextDocumentContentProvider(INSTANCE_SCHEME, new InstanceDocuments(services)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => datasetTree.refresh()),
    // Open panels follow the configuration: a key set, a model picked or a setting changed
    // reaches every panel's next question and its Retry.
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(CONFIG_SECTION)) void conversations.followConfiguration();
    }),
    context.secrets.onDidChange(() => void conversations.followConfiguration()),
  );
  const commands = createCommands({ services, conversations, datasetTree, critique, sourceText, pdfViews, status: shell.status, showLog: () => log.show() });
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
    logUri: context.logUri,
    critique,
    run: (id, args) => commands[id](...args),
    revivePanel: (panel, state) => conversations.revive(panel, state as ConversationState | undefined),
  };
}
