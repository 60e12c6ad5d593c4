import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { SourceTextProvider } from '../conversation/citationOpener';
import type { DatasetNode } from './datasetTree';
import type { CommandTable } from '../commandTable';
import { withCancellableProgress } from '../cancellation';
import { evaluateTask, recordHumanVerdict, type Judgement, type Scorecard, type Verdict } from '../../core/evaluation/evaluateTask';
import { OpenAIModelClient } from '../../core/model/openaiModelClient';
import { confirmOverBudget, testBudgetSetting } from '../evidence/evidenceCommands';

interface EvaluateArgs {
  taskId?: string;
  models?: string[];
  judge?: string;
  runId?: string;
  /** Skip the side-by-side review (tests, or a judge-only run). */
  review?: boolean;
}

function scorecardText(s: Scorecard): string {
  return (s.split && s.split !== 'all' ? `(${s.split} split; test consulted ${s.testConsultations ?? 0}×) ` : '') + Object.entries(s.byModel)
    .map(([m, v]) => `${m}: better ${v.better}, same ${v.same}, worse ${v.worse}, unjudged ${v.unjudged}, failed ${v.errors}; win rate ${v.winRate ?? '–'}${v.winRateInterval ? ` [${v.winRateInterval[0]}–${v.winRateInterval[1]}]` : ''}`)
    .join(' · ');
}

/**
 * Evaluate Task…: re-runs models against a task's saved instances (with a cancellable progress
 * notification), then lets the researcher compare each answer with the saved one side by side and
 * mark it better, same or worse from the keyboard.
 */
export interface EvaluationCommandDeps {
  services: HostServices;
  docs: SourceTextProvider;
}

export function evaluationCommands({ services, docs }: EvaluationCommandDeps): CommandTable<'alignment.evaluateTask'> {
  return { 'alignment.evaluateTask': async (raw: unknown): Promise<Scorecard | undefined> => {
    const node = raw as DatasetNode | undefined;
    const args: EvaluateArgs = raw && typeof raw === 'object' && !('kind' in raw) ? (raw as EvaluateArgs) : {};
    const tasks = await services.tasks();
    const store = await services.store();
    let taskId = args.taskId ?? (node?.kind === 'task' ? node.task.id : undefined);
    if (!taskId) {
      const withCounts = await Promise.all(tasks.map(async (t) => ({ t, n: await store.countInstances(t.id) })));
      const picked = await vscode.window.showQuickPick(
        withCounts.filter((x) => x.n > 0).map((x) => ({ label: x.t.title, description: `${x.n} instances`, id: x.t.id })),
        { placeHolder: 'Evaluate a model against which task’s saved instances?' },
      );
      taskId = picked?.id;
    }
    if (!taskId) return undefined;
    const task = await services.task(taskId);
    const settings = await services.modelSettings();
    let models = args.models;
    if (!models) {
      const typed = await vscode.window.showInputBox({
        prompt: 'Model(s) to evaluate; separate two with a comma to compare them on the same instances',
        value: settings.model,
        ignoreFocusOut: true,
      });
      if (!typed) return undefined;
      models = typed.split(',').map((s) => s.trim()).filter(Boolean);
    }
    let judge = args.judge;
    if (judge === undefined && !args.models) {
      judge = (await vscode.window.showInputBox({ prompt: 'Judge model (optional): grades each answer against the saved one. Leave empty to judge yourself.', ignoreFocusOut: true }))?.trim();
    }
    const clients = models.map((model) => new OpenAIModelClient({ ...settings, model }, services.logger));
    const judgeClient = judge ? new OpenAIModelClient({ ...settings, model: judge, temperature: 0 }, services.logger) : undefined;
    const result = await withCancellableProgress(
      { title: `Alignment: evaluating ${models.join(' vs ')} on ${task.title}` },
      (signal, progress) => {
        let last = 0;
        return evaluateTask({
          task,
          store,
          models: clients,
          judge: judgeClient,
          runId: args.runId,
          concurrency: 2,
          testBudget: testBudgetSetting(),
          confirmOverBudget: (b) => confirmOverBudget(task.id, b),
          signal,
          onProgress: (done, total) => {
            progress.report({ increment: ((done - last) / Math.max(1, total)) * 100, message: `${done} of ${total}` });
            last = done;
          },
        });
      },
    );
    services.logger.info(`Evaluation ${result.runId}: ${scorecardText(result.scorecard)}`);
    let scorecard = result.scorecard;
    if (args.review !== false) scorecard = (await review(result.dir, task.id, result.judgements, docs)) ?? scorecard;
    const failed = Object.values(scorecard.byModel).reduce((n, s) => n + s.errors, 0);
    // Not awaited: the command is done when the run is; the notification stays until dismissed.
    void vscode.window
      .showInformationMessage(`Alignment: ${scorecardText(scorecard)}${failed ? ` — ${failed} failed; run again to resume` : ''}`, 'Show Scorecard', 'Open summary.json')
      .then((choice) => {
        if (choice === 'Show Scorecard') return vscode.commands.executeCommand('alignment.showScorecard');
        if (choice === 'Open summary.json') return vscode.window.showTextDocument(vscode.Uri.file(`${result.dir}/summary.json`));
        return undefined;
      });
    return scorecard;
  } };
}

/** Side by side: the saved answer and the model's; better / same / worse from a quick pick. */
async function review(dir: string, taskId: string, judgements: Judgement[], docs: SourceTextProvider): Promise<Scorecard | undefined> {
  const todo = judgements.filter((j) => !j.error && j.answer && !j.verdict);
  let scorecard: Scorecard | undefined;
  for (const [n, j] of todo.entries()) {
    const saved = docs.put(`eval/${j.instanceId}/saved answer.md`, `# Saved answer (${j.instanceId})\n\n${j.reference}\n`);
    const answer = docs.put(`eval/${j.instanceId}/${j.model}.md`, `# ${j.model}\n\n${j.answer}\n`);
    await vscode.window.showTextDocument(saved, { viewColumn: vscode.ViewColumn.One, preview: true, preserveFocus: true });
    await vscode.window.showTextDocument(answer, { viewColumn: vscode.ViewColumn.Two, preview: true, preserveFocus: true });
    const pick = await vscode.window.showQuickPick(
      [
        { label: '$(arrow-up) Better', description: 'than the saved answer', verdict: 'better' as Verdict },
        { label: '$(dash) Same', description: 'about as good', verdict: 'same' as Verdict },
        { label: '$(arrow-down) Worse', description: 'than the saved answer', verdict: 'worse' as Verdict },
        { label: 'Skip', description: 'decide later', verdict: undefined },
      ],
      { placeHolder: `${n + 1} of ${todo.length}: is ${j.model}'s answer (right) better than the saved one (left)?`, ignoreFocusOut: true },
    );
    if (!pick) break;
    if (pick.verdict) scorecard = await recordHumanVerdict(dir, taskId, j, pick.verdict);
  }
  return scorecard;
}
