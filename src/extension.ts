import * as vscode from 'vscode';
import * as path from 'node:path';
import { COMMAND_IDS, PANEL_VIEW_TYPE, PDF_VIEW_TYPE, VIEW_DATASET, type CommandId } from './host/commandIds';
import { ModelStatusItem } from './host/model/modelStatusItem';
import { LazyTreeProvider } from './host/dataset/lazyTreeProvider';
import type { Host, HostShell } from './host/hostMain';
import { registerChatSurface } from './host/chat/chatShell';
import { isCancellation } from './host/cancellation';
import { describeError } from './core/errors';

/** What the extension exports: used by the integration tests to look inside a running host. */
export interface AssistantApi {
  activationMs: number;
  host(): Promise<Host>;
}

// The activation shell: registers commands, the status bar item, the dataset view and the panel
// serializer, all with handlers that load dist/host.js (core included) on first use.
export function activate(context: vscode.ExtensionContext): AssistantApi {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Alignment Research Assistant', { log: true });
  context.subscriptions.push(log);

  const tree = new LazyTreeProvider();
  const status = new ModelStatusItem(context.secrets);
  context.subscriptions.push(status, tree);

  let loading: Promise<Host> | undefined;
  const host = (): Promise<Host> => {
    loading ??= (async () => {
      const t0 = performance.now();
      // A separate bundle, so its parse time is paid by the first command, not by activation.
      const mod = require(path.join(__dirname, 'host.js')) as typeof import('./host/hostMain');
      const shell: HostShell = { context, log, tree, status };
      const h = mod.createHost(shell);
      log.info(`Loaded the assistant in ${(performance.now() - t0).toFixed(1)} ms`);
      return h;
    })();
    loading.catch((e: unknown) => {
      loading = undefined;
      log.error(`Could not load the assistant: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    });
    return loading;
  };
  tree.setLoader(async () => (await host()).datasetTree);

  for (const id of COMMAND_IDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await (await host()).run(id as CommandId, args);
        } catch (e) {
          // Last line of defence: a command never crashes the extension host or fails silently.
          // A cancel is the researcher's choice, not an error; an error says what to do (its hint).
          if (isCancellation(e)) {
            log.info(`${id} cancelled`);
            return undefined;
          }
          const message = describeError(e);
          log.error(`${id} failed: ${e instanceof Error ? e.stack ?? message : message}`);
          void vscode.window.showErrorMessage(`Alignment: ${message}`, 'Show Log').then((choice) => choice && log.show());
          return undefined;
        }
      }),
    );
  }
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider(VIEW_DATASET, tree),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => (await host()).revivePanel(panel, state),
    }),
    // Custom editors must be registered at activation; the PDF view itself loads with the host.
    vscode.window.registerCustomEditorProvider(
      PDF_VIEW_TYPE,
      {
        openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
        resolveCustomEditor: async (doc, panel) => (await host()).pdfViews.resolve(doc.uri, panel),
      },
      { supportsMultipleEditorsPerDocument: true },
    ),
  );

  registerChatSurface(context, host, log);

  const activationMs = performance.now() - started;
  log.info(`Activated in ${activationMs.toFixed(2)} ms`);
  return { activationMs, host };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
