import type { TaskInstance } from '../dataset/instanceTypes';
import type { PromptExample } from './promptBuilder';
import { citationLabel } from '../retrieval/citations';
import { estimateTokens } from '../retrieval/tokenCount';
import { escapePromptData } from './promptData';

/**
 * Saved instances to show the model as worked examples: good ratings first, then unrated, newest
 * first within each; badly rated ones never; never the instance being answered; within budget.
 */
export function selectFewShotExamples(
  instances: readonly TaskInstance[],
  opts: { budgetTokens: number; excludeId?: string; excludeIds?: readonly string[]; maxExamples?: number },
): TaskInstance[] {
  const excluded = new Set([opts.excludeId, ...(opts.excludeIds ?? [])].filter(Boolean));
  const rank = (i: TaskInstance) => (i.rating?.value === 'good' ? 0 : 1);
  const candidates = instances
    .filter((i) => !excluded.has(i.id) && i.rating?.value !== 'bad' && i.output.trim())
    .sort((a, b) => rank(a) - rank(b) || b.createdAt.localeCompare(a.createdAt));
  const out: TaskInstance[] = [];
  let used = 0;
  for (const inst of candidates) {
    if (out.length >= (opts.maxExamples ?? 4)) break;
    const ex = renderExample(inst);
    const cost = estimateTokens(ex.user) + estimateTokens(ex.assistant);
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
