import type { TaskInstance } from '../dataset/instanceTypes';
import type { PromptExample } from './promptBuilder';
import { citationLabel } from '../retrieval/citations';
import { estimateTokens } from '../retrieval/tokenCount';
import { escapePromptData } from './promptData';
import { effectiveSplit, type SplitConfig } from '../evaluation/splits';

/**
 * Saved instances to show the model as worked examples: good ratings first, then unrated, newest
 * first within each; badly rated ones never; never the instance being answered; never one in the
 * test split (recorded on it, or by the task's split rule when given); within budget.
 */
export function selectFewShotExamples(
  instances: readonly TaskInstance[],
  opts: { budgetTokens: number; excludeId?: string; excludeIds?: readonly string[]; maxExamples?: number; split?: SplitConfig },
): TaskInstance[] {
  return pickFewShotExamples(rankFewShotCandidates(instances, opts.split), opts);
}

/**
 * The instances that may serve as examples, best first (see selectFewShotExamples). An evaluation
 * ranks once per run and picks per instance, instead of sorting the whole task for every answer.
 */
export function rankFewShotCandidates(instances: readonly TaskInstance[], split?: SplitConfig): TaskInstance[] {
  const rank = (i: TaskInstance) => (i.rating?.value === 'good' ? 0 : 1);
  return instances
    .filter((i) => effectiveSplit(i, split) !== 'test' && i.rating?.value !== 'bad' && i.output.trim())
    .sort((a, b) => rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt));
}

const exampleCost = new WeakMap<TaskInstance, number>();

/** Takes examples from ranked candidates, best first, within the token budget, skipping excluded ids. */
export function pickFewShotExamples(
  ranked: readonly TaskInstance[],
  opts: { budgetTokens: number; excludeId?: string; excludeIds?: readonly string[]; maxExamples?: number },
): TaskInstance[] {
  const excluded = new Set([opts.excludeId, ...(opts.excludeIds ?? [])].filter(Boolean));
  const out: TaskInstance[] = [];
  let used = 0;
  for (const inst of ranked) {
    if (out.length >= (opts.maxExamples ?? 4)) break;
    if (excluded.has(inst.id)) continue;
    let cost = exampleCost.get(inst);
    if (cost === undefined) {
      const ex = renderExample(inst);
      cost = estimateTokens(ex.user) + estimateTokens(ex.assistant);
      exampleCost.set(inst, cost);
    }
    if (used + cost > opts.budgetTokens) continue;
    out.push(inst);
    used += cost;
  }
  return out;
}

/**
 * An instance as a user/assistant pair: its input in the same layout as a live request, its saved
 * output. Every saved field is data from a file anyone may have edited: all go through escapePromptData.
 */
export function renderExample(inst: TaskInstance): PromptExample {
  const esc = escapePromptData;
  const parts: string[] = ['(Worked example from the dataset.)'];
  if (inst.input.source) parts.push(`Source: "${esc(inst.input.source.title, 'attribute')}"`);
  const passages = inst.input.passages.slice(0, 4);
  if (passages.length) {
    parts.push(
      '<document>\n' +
        passages.map((p) => `<passage id="${esc(p.id, 'attribute')}" location="${esc(citationLabel(p.location), 'attribute')}">\n${esc(p.text.slice(0, 1200))}\n</passage>`).join('\n') +
        '\n</document>',
    );
  }
  if (inst.input.text !== undefined) parts.push(`<input>\n${esc(inst.input.text.slice(0, 4000))}\n</input>`);
  for (const [k, v] of Object.entries(inst.input.fields ?? {})) parts.push(`${esc(k)}: ${esc(v)}`);
  const dialogue = inst.input.dialogue;
  if (dialogue.length) {
    parts.push(dialogue.map((d) => `${d.role === 'researcher' ? 'Researcher' : 'Assistant'}: ${esc(d.content)}`).join('\n'));
  }
  return { user: parts.join('\n\n'), assistant: inst.output };
}
