import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import type { CommandTable } from '../commandTable';
import { withCancellableProgress } from '../cancellation';
import { setting } from '../settings';
import type { DatasetNode } from '../dataset/datasetTree';
import type { LoadedTask } from '../../core/tasks/taskTypes';
import type { ScorecardView } from '../../protocol/evidenceProtocol';
import type { EvidenceScorecard } from '../../core/evaluation/scorecardData';
import type { LeakBudget } from '../../core/evaluation/leakLog';
import { SPLIT_RULE, splitTask } from '../../core/evaluation/splits';
import { collectScorecard } from '../../core/evaluation/scorecardData';
import { armName, askForHelp, createStudy, listStudies, nextAssistItem, nextBlindItem, rateItem, readAssisted, readRatings, readStudy, recordAssistedAnswer, type Arm, type HelpUse, type Study } from '../../core/evaluation/blindStudy';
import { evaluatePlantedFlaws, parsePlantedFlaws, FLAW_TASK_ID, type PlantedRun } from '../../core/evaluation/plantedFlaws';
import { readJudgements, runDir } from '../../core/evaluation/evaluateTask';
import { OpenAIModelClient } from '../../core/model/openaiModelClient';
import { EvidencePanel } from './evidencePanel';

/** The test budget from `alignment.evaluation.testBudget` (0: none). */
export function testBudgetSetting(): number | undefined {
  const n = setting('evaluation.testBudget');
  return n > 0 ? n : undefined;
}

/** Past the budget, a modal question: run anyway, or not. */
export async function confirmOverBudget(taskId: string, b: LeakBudget): Promise<boolean> {
  const run = 'Run Anyway';
  const choice = await vscode.window.showWarningMessage(
    `The test split of "${taskId}" has been consulted ${b.consultations} times, at its budget of ${b.budget}.`,
    { modal: true, detail: 'Each look at held-out data leaks a little of it into your choices. Run anyway, or raise alignment.evaluation.testBudget.' },
    run,
  );
  return choice === run;
}

async function pickTask(services: HostServices, node: unknown, placeHolder: string, filter?: (t: LoadedTask) => boolean): Promise<LoadedTask | undefined> {
  const n = node as DatasetNode | { taskId?: string } | undefined;
  if (n && 'kind' in n && n.kind === 'task') return n.task;
  if (n && 'taskId' in n && n.taskId) return services.task(n.taskId);
  const tasks = (await services.tasks()).filter((t) => !filter || filter(t));
  const picked = await vscode.window.showQuickPick(tasks.map((t) => ({ label: t.title, description: t.id, task: t })), { placeHolder });
  return picked?.task;
}

/** The core's scorecard as the webview draws it. */
export function scorecardView(card: EvidenceScorecard): ScorecardView {
  return {
    generatedAt: card.generatedAt,
    ...(card.testBudget ? { testBudget: card.testBudget } : {}),
    tasks: card.tasks.map((t) => {
      const latest = t.runs.at(-1);
      return {
        taskId: t.taskId,
        title: t.title,
        ...(t.split ? { split: { train: t.split.train, test: t.split.test } } : {}),
        consultations: t.consultations.map((c) => ({ at: c.at, kind: c.kind, label: `${c.kind} ${c.runId}: ${c.models.join(', ') || 'people'}${c.judge ? `, judge ${c.judge}` : ''}, ${c.instances} test instances` })),
        ...(latest ? { latestRun: { runId: latest.runId, split: latest.split, bars: latest.models.map((m) => ({ label: m.model, winRate: m.winRate, low: m.low, high: m.high, n: m.judged })) } } : {}),
        studies: t.studies.map((s) => ({
          studyId: s.studyId,
          bars: s.winRates.map((w) => ({ label: w.arm, winRate: Number.isFinite(w.winRate) ? w.winRate : null, low: Number.isFinite(w.low) ? w.low : null, high: Number.isFinite(w.high) ? w.high : null, n: w.n })),
          raters: s.raters.length,
          ratings: s.ratings,
          ...(s.agreement.cohensKappa !== undefined && Number.isFinite(s.agreement.cohensKappa) ? { cohensKappa: s.agreement.cohensKappa } : {}),
          ...(s.agreement.krippendorffAlpha !== undefined && Number.isFinite(s.agreement.krippendorffAlpha) ? { krippendorffAlpha: s.agreement.krippendorffAlpha } : {}),
          ...(s.judgeVsPeople ? { judgeVsPeople: s.judgeVsPeople } : {}),
        })),
      };
    }),
    planted: [...card.planted].reverse(),
  };
}

/**
 * Split Task…, Evaluate Critique with Planted Flaws…, New Blind Study…, Rate Blind Study… and
 * Show Evidence Scorecard. Each accepts an argument object so tests and keybindings can skip prompts.
 */
type EvidenceCommandId = 'alignment.splitTask' | 'alignment.evaluatePlantedFlaws' | 'alignment.createStudy' | 'alignment.rateStudy' | 'alignment.assistStudy' | 'alignment.showScorecard';

export interface EvidenceCommandDeps {
  services: HostServices;
  refreshTree: () => void;
}

export function evidenceCommands({ services, refreshTree }: EvidenceCommandDeps): CommandTable<EvidenceCommandId> {
  const extensionUri = services.env.extensionUri;
  const log = (m: string) => services.logger.warn(m);
  let scorecardPanel: EvidencePanel | undefined;

  const showScorecard = async (): Promise<ScorecardView> => {
    const store = await services.store();
    const view = scorecardView(await collectScorecard(store, await services.tasks(), { testBudget: testBudgetSetting() }));
    if (!scorecardPanel || scorecardPanel.disposed) scorecardPanel = new EvidencePanel(extensionUri, 'Evidence Scorecard', async () => undefined, log);
    else scorecardPanel.panel.reveal();
    scorecardPanel.post({ type: 'scorecard', view });
    return view;
  };

  /** The study (from the argument, or a quick pick) and the rater's id (from the argument, or typed). */
  const pickStudyAndRater = async (raw: unknown, placeHolder: string, filter: (s: Study) => boolean = () => true): Promise<{ study: Study; rater: string } | undefined> => {
    const args = (raw && typeof raw === 'object' ? raw : {}) as { taskId?: string; studyId?: string; rater?: string };
    const store = await services.store();
    let taskId = args.taskId;
    let studyId = args.studyId;
    if (!taskId || !studyId) {
      const all = (await services.tasks()).flatMap((t) => listStudies(store, t.id).filter(filter).map((s) => ({ label: s.id, description: `${t.title} · ${s.instanceIds.length} items · ${s.arms.map(armName).join(' vs ')}`, taskId: t.id })));
      if (!all.length) throw new Error('There is no such blind study yet: run "Alignment: New Blind Study…" first.');
      const picked = await vscode.window.showQuickPick(all, { placeHolder });
      if (!picked) return undefined;
      taskId = picked.taskId;
      studyId = picked.label;
    }
    const rater =
      args.rater ??
      (await vscode.window.showInputBox({
        prompt: 'Your rater id (recorded with each verdict; letters, digits, dots, dashes, no spaces)',
        validateInput: (v) => (/^[\w.@-]{1,64}$/.test(v.trim()) ? undefined : 'Letters, digits, dots, dashes, @ or underscores, e.g. r1'),
        ignoreFocusOut: true,
      }))?.trim();
    if (!rater) return undefined;
    return { study: readStudy(store, taskId, studyId), rater };
  };

  return {
    'alignment.splitTask': async (raw: unknown) => {
      const args = (raw && typeof raw === 'object' && !('kind' in raw) ? raw : {}) as { taskId?: string; test?: number; seed?: number };
      const task = await pickTask(services, raw, 'Split which task into train and test?');
      if (!task) return undefined;
      let test = args.test;
      if (test === undefined) {
        const typed = await vscode.window.showInputBox({
          prompt: `Fraction of "${task.title}" held out for testing. Instances already placed never move; new ones follow the same rule.`,
          value: '0.3',
          validateInput: (v) => (Number(v) > 0 && Number(v) < 1 ? undefined : 'A number between 0 and 1, e.g. 0.3'),
          ignoreFocusOut: true,
        });
        if (!typed) return undefined;
        test = Number(typed);
      }
      const result = await splitTask(await services.store(), task.id, { testFraction: test, seed: args.seed });
      services.logger.info(`Split ${task.id}: ${result.train} train, ${result.test} test, ${result.assigned} newly placed (${SPLIT_RULE}, seed ${result.config.seed}).`);
      refreshTree();
      void vscode.window.showInformationMessage(`Alignment: "${task.title}" has ${result.train} train and ${result.test} test instances (${result.assigned} newly placed).`);
      return result;
    },

    'alignment.evaluatePlantedFlaws': async (raw: unknown) => {
      const args = (raw && typeof raw === 'object' && !(raw instanceof vscode.Uri) ? raw : {}) as { draft?: string; flaws?: string; models?: string[] };
      const draftPath = args.draft ?? (raw instanceof vscode.Uri ? raw.fsPath : vscode.window.activeTextEditor?.document.uri.fsPath);
      if (!draftPath || !/\.(md|markdown)$/i.test(draftPath)) throw new Error('Open the Markdown draft with the planted flaws first.');
      const draft = (vscode.workspace.textDocuments.find((d) => d.uri.fsPath === draftPath)?.getText() ?? fs.readFileSync(draftPath, 'utf8'));
      let flawsPath = args.flaws;
      if (!flawsPath) {
        const beside = draftPath.replace(/\.(md|markdown)$/i, '.flaws.json');
        const picked = await vscode.window.showOpenDialog({
          defaultUri: vscode.Uri.file(fs.existsSync(beside) ? beside : path.dirname(draftPath)),
          canSelectMany: false,
          openLabel: 'Use These Planted Flaws',
          filters: { 'Planted flaws (JSON)': ['json'] },
        });
        flawsPath = picked?.[0]?.fsPath;
      }
      if (!flawsPath) return undefined;
      const flaws = parsePlantedFlaws(fs.readFileSync(flawsPath, 'utf8'), flawsPath, draft);
      const settings = await services.modelSettings();
      let models = args.models;
      if (!models) {
        const typed = await vscode.window.showInputBox({ prompt: 'Critic model(s); separate several with commas to compare them', value: settings.model, ignoreFocusOut: true });
        if (!typed) return undefined;
        models = typed.split(',').map((s) => s.trim()).filter(Boolean);
      }
      const clients = models.map((model) => new OpenAIModelClient({ ...settings, model }, services.logger));
      const run: PlantedRun = await withCancellableProgress(
        { title: `Alignment: critics on ${flaws.length} planted flaws` },
        async (signal, progress) => {
          return evaluatePlantedFlaws({
            draft,
            draftFile: draftPath,
            flaws,
            flawsFile: flawsPath!,
            models: clients,
            critiqueTask: await services.task('draft-critique'),
            flawTask: await services.task(FLAW_TASK_ID),
            store: await services.store(),
            signal,
            onProgress: (model, done, total) => progress.report({ message: `${model}: ${done} of ${total} sections` }),
          });
        },
      );
      refreshTree();
      const summary = run.results.map((r) => `${r.model} caught ${r.planted.caught.length}/${r.planted.total} (${r.otherFindings} other)`).join(' · ');
      services.logger.info(`Planted flaws ${run.runId}: ${summary}`);
      void vscode.window.showInformationMessage(`Alignment: ${summary}`, 'Show Scorecard').then((c) => (c ? showScorecard() : undefined));
      return run;
    },

    'alignment.createStudy': async (raw: unknown) => {
      const args = (raw && typeof raw === 'object' && !('kind' in raw) ? raw : {}) as { taskId?: string; arms?: [Arm, Arm]; id?: string; seed?: number };
      const task = await pickTask(services, raw, 'Blind study on which task’s test split?');
      if (!task) return undefined;
      const store = await services.store();
      let arms = args.arms;
      if (!arms) {
        const evals = path.join(store.taskDir(task.id), 'evals');
        const runs = fs.existsSync(evals) ? fs.readdirSync(evals) : [];
        const options: { label: string; description: string; arms: [Arm, Arm] }[] = [];
        for (const runId of runs) {
          const models = [...new Set(readJudgements(runDir(store, task.id, runId)).filter((j) => j.answer && !j.error).map((j) => j.model))];
          for (const m of models) options.push({ label: `Saved answer vs ${m}`, description: `run ${runId}`, arms: [{ kind: 'reference' }, { kind: 'model', model: m, runId }] });
          if (models.length === 2) options.push({ label: `${models[0]} vs ${models[1]}`, description: `run ${runId}`, arms: [{ kind: 'model', model: models[0], runId }, { kind: 'model', model: models[1], runId }] });
        }
        options.push({ label: 'Assisted non-expert vs saved answer', description: 'sandwiching: answers written with the assistant’s help', arms: [{ kind: 'assisted' }, { kind: 'reference' }] });
        const picked = await vscode.window.showQuickPick(options, { placeHolder: 'Compare what? (raters never see which is which)' });
        if (!picked) return undefined;
        arms = picked.arms;
      }
      const study = await createStudy(store, task, { arms, id: args.id, seed: args.seed, testBudget: testBudgetSetting(), confirmOverBudget: (b) => confirmOverBudget(task.id, b) });
      void vscode.window.showInformationMessage(`Alignment: study ${study.id} on ${study.instanceIds.length} test items (${study.arms.map(armName).join(' vs ')}).`);
      return study;
    },

    'alignment.rateStudy': async (raw: unknown) => {
      const store = await services.store();
      const picked = await pickStudyAndRater(raw, 'Rate which study?');
      if (!picked) return undefined;
      const { study, rater } = picked;
      const panel: EvidencePanel = new EvidencePanel(
        extensionUri,
        `Blind Study ${study.id}`,
        async (m) => {
          if (m.type !== 'rate') return;
          await rateItem(store, study, { rater, itemId: m.itemId, verdict: m.verdict, confidence: m.confidence });
          await showNext();
        },
        log,
      );
      const showNext = async () => {
        const item = await nextBlindItem(store, study, rater);
        if (item) panel.post({ type: 'studyItem', item: { ...item, rater } });
        else panel.post({ type: 'studyDone', studyId: study.id, rater, rated: readRatings(store, study).filter((r) => r.rater === rater).length });
      };
      await showNext();
      return { studyId: study.id, rater };
    },

    'alignment.assistStudy': async (raw: unknown) => {
      const store = await services.store();
      const picked = await pickStudyAndRater(raw, 'Answer items of which study (assisted arm)?', (s) => s.arms.some((a) => a.kind === 'assisted'));
      if (!picked) return undefined;
      const { study, rater } = picked;
      const task = await services.task(study.taskId);
      // The help asked for on the current item, kept until the answer is submitted with it.
      let help: HelpUse[] = [];
      let current: Awaited<ReturnType<typeof nextAssistItem>>;
      const show = (asking = false) => {
        if (current) panel.post({ type: 'assistItem', item: { ...current, studyId: study.id, rater, help: help.map((h) => ({ question: h.question, answer: h.answer })), asking } });
        else panel.post({ type: 'studyDone', studyId: study.id, rater, rated: readAssisted(store, study).filter((a) => a.rater === rater).length, noun: 'answer' });
      };
      const panel: EvidencePanel = new EvidencePanel(
        extensionUri,
        `Assisted Answers ${study.id}`,
        async (m) => {
          if (!current || m.type === 'rate' || m.itemId !== current.itemId) return;
          if (m.type === 'ask') {
            const model = await services.model();
            if (!model) throw new Error('No model is configured: set one with "Alignment: Select Model" and "Alignment: Set API Key".');
            const inst = (await store.readInstances(study.taskId)).instances.find((i) => i.id === current!.itemId);
            if (!inst) throw new Error(`Item ${current.itemId} is no longer in the dataset.`);
            show(true);
            help.push(await askForHelp(model, task, inst, m.question));
            show();
            return;
          }
          await recordAssistedAnswer(store, study, { itemId: current.itemId, rater, answer: m.answer, help });
          help = [];
          current = await nextAssistItem(store, study, rater);
          show();
        },
        log,
      );
      current = await nextAssistItem(store, study, rater);
      show();
      return { studyId: study.id, rater };
    },

    'alignment.showScorecard': async () => showScorecard(),
  };
}
