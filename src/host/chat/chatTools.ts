import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { ResearchToolDeps } from '../../core/tools/researchTools';
import type { TaskInstance } from '../../core/dataset/instanceTypes';
import { draftInstance, listTasks, saveInstance, searchLibrary, searchPaper } from '../../core/tools/researchTools';
import { parseToolInput, type ToolName } from '../../core/tools/toolInputs';
import { describeError } from '../../core/errors';
import { hostToolDeps } from './hostToolDeps';
import { abortOnCancel } from '../cancellation';

/** The agent-mode tools, by the names contributed in package.json `languageModelTools`. */
export const CHAT_TOOLS = {
  alignment_searchLibrary: 'searchLibrary',
  alignment_searchPaper: 'searchPaper',
  alignment_listTasks: 'listTasks',
  alignment_saveInstance: 'saveInstance',
} as const satisfies Record<string, ToolName>;

export type ChatToolName = keyof typeof CHAT_TOOLS;

function textResult(text: string): vscode.LanguageModelToolResult {
  return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(text)]);
}

function preview(text: string, max = 600): string {
  const t = text.trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

/**
 * The tools behind `languageModelTools`. VS Code does not check `inputSchema` (see
 * docs/ARCHITECTURE.md), so every input is parsed here; a bad one is an error result the
 * model can read and correct, never an exception in the extension host.
 */
export class ChatTools {
  private readonly deps: ResearchToolDeps;

  constructor(
    services: HostServices,
    private readonly onSaved: () => void,
  ) {
    this.deps = hostToolDeps(services);
  }

  async invoke(name: ChatToolName, input: unknown, token: vscode.CancellationToken): Promise<vscode.LanguageModelToolResult> {
    const abort = abortOnCancel(token);
    try {
      switch (name) {
        case 'alignment_searchLibrary':
          return textResult((await searchLibrary(this.deps, parseToolInput('searchLibrary', input), abort.signal)).text);
        case 'alignment_searchPaper':
          return textResult((await searchPaper(this.deps, parseToolInput('searchPaper', input), abort.signal)).text);
        case 'alignment_listTasks':
          return textResult((await listTasks(this.deps)).text);
        case 'alignment_saveInstance': {
          const parsed = parseToolInput('saveInstance', input);
          const saved = await saveInstance(this.deps, parsed, { tool: 'vscode-agent' });
          this.onSaved();
          return textResult(saved.text);
        }
        default: {
          const never: never = name;
          return textResult(`Error: unknown tool ${String(never)}.`);
        }
      }
    } catch (e) {
      return textResult(`Error: ${describeError(e)}`);
    } finally {
      abort.dispose();
    }
  }

  /** Save asks first, showing the task, the input and the output that would be written. */
  async prepare(name: ChatToolName, input: unknown): Promise<vscode.PreparedToolInvocation | undefined> {
    if (name !== 'alignment_saveInstance') return undefined;
    let draft: TaskInstance;
    try {
      draft = (await draftInstance(this.deps, parseToolInput('saveInstance', input), { tool: 'vscode-agent' })).instance;
    } catch {
      // Nothing will be saved: invoke() reports the problem to the model.
      return { invocationMessage: 'Checking the instance to save…' };
    }
    const inputText = draft.input.text ?? draft.input.dialogue.map((d) => `${d.role}: ${d.content}`).join('\n');
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`Save this instance of **${draft.taskId}** to the dataset?\n\n**Input**\n\n`);
    md.appendCodeblock(preview(inputText), 'text');
    md.appendMarkdown('\n**Output**\n\n');
    md.appendCodeblock(preview(draft.output), 'text');
    if (draft.originalOutput) {
      md.appendMarkdown("\n**The model's original output** (kept beside the edited one)\n\n");
      md.appendCodeblock(preview(draft.originalOutput), 'text');
    }
    return {
      invocationMessage: `Saving an instance of ${draft.taskId}`,
      confirmationMessages: { title: `Save an instance of "${draft.taskId}"?`, message: md },
    };
  }
}
