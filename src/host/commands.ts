import type { HostServices } from './hostServices';
import type { Conversations } from './conversation/conversations';
import type { DatasetTreeProvider } from './dataset/datasetTree';
import type { DraftCritique } from './critique/critiqueComments';
import type { SourceTextProvider } from './conversation/citationOpener';
import type { PdfViews } from './pdfView/pdfViews';
import { joinCommandTables, type CommandTable } from './commandTable';
import { askCommands, createAsk } from './conversation/askCommands';
import { libraryCommands } from './library/libraryCommands';
import { instanceCommands } from './dataset/instanceCommands';
import { datasetIoCommands } from './dataset/datasetIoCommands';
import { evaluationCommands } from './dataset/evaluationCommands';
import { modelCommands } from './model/modelCommands';
import { critiqueCommands } from './critique/critiqueCommands';
import { evidenceCommands } from './evidence/evidenceCommands';
import { pdfViewCommands } from './pdfView/pdfViewCommands';

// The ask commands' argument and result, where callers (and tests) have always found them.
export type { AskArgs, AskResult } from './conversation/askCommands';

/**
 * The extension's one command table: each room's commands from the dependencies it names. The
 * activation shell registers every id of `COMMAND_IDS` and runs the handler from here.
 */
export function createCommands(d: {
  services: HostServices;
  conversations: Conversations;
  datasetTree: DatasetTreeProvider;
  critique: DraftCritique;
  sourceText: SourceTextProvider;
  pdfViews: PdfViews;
  /** The status bar item naming the model. */
  status: { update(): void };
  showLog: () => void;
}): CommandTable {
  const { services, conversations, datasetTree: tree, critique, sourceText: docs, pdfViews, status, showLog } = d;
  const ask = createAsk(services, conversations);
  return joinCommandTables([
    askCommands({ services, conversations, ask, pdfViews }),
    libraryCommands({ services, ask }),
    instanceCommands({ services, tree }),
    datasetIoCommands({ services, tree, showLog }),
    evaluationCommands({ services, docs }),
    modelCommands({ services, status }),
    critiqueCommands({ critique }),
    evidenceCommands({ services, refreshTree: () => tree.refresh() }),
    pdfViewCommands({ services, pdfViews, text: docs }),
    { 'alignment.showLog': async () => showLog() },
  ]);
}
