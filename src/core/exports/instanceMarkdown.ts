import type { TaskInstance } from '../dataset/instanceTypes';
import { citationLabel } from '../retrieval/citations';

// An instance as two readable Markdown documents (its input, its output), as the editor opens it
// from the dataset view. Not the export layout (markdownLayout.ts), which must round-trip.

/** The input of an instance as a readable Markdown document. */
export function renderInstanceInput(inst: TaskInstance): string {
  const out: string[] = [`# Input — ${inst.taskId} / ${inst.id}`, ''];
  if (inst.input.source) out.push(`**Source:** ${inst.input.source.title}${inst.input.source.path ? ` (${inst.input.source.path})` : ''}`, '');
  if (inst.input.fields) for (const [k, v] of Object.entries(inst.input.fields)) out.push(`**${k}:** ${v}`, '');
  if (inst.input.text !== undefined) out.push('## Text', '', inst.input.text, '');
  if (inst.input.dialogue.length) {
    out.push('## Dialogue', '');
    for (const d of inst.input.dialogue) out.push(`**${d.role === 'researcher' ? 'Researcher' : 'Assistant'}:** ${d.content}`, '');
  }
  if (inst.input.passages.length) {
    out.push('## Passages used', '');
    for (const p of inst.input.passages) out.push(`- **${p.id}** (${citationLabel(p.location)}): ${p.text.slice(0, 300).replace(/\n/g, ' ')}${p.text.length > 300 ? '…' : ''}`);
    out.push('');
  }
  return out.join('\n');
}

export function renderInstanceOutput(inst: TaskInstance): string {
  const out = [`# Output — ${inst.taskId} / ${inst.id}`, '', inst.output, ''];
  if (inst.originalOutput) out.push('---', '', '## The model’s original answer', '', inst.originalOutput, '');
  if (inst.rating) out.push(`**Rating:** ${inst.rating.value}${inst.rating.reason ? ` — ${inst.rating.reason}` : ''}`, '');
  if (inst.model) out.push(`*Model: ${inst.model.model} at ${inst.model.endpoint}*`);
  if (inst.parentId) out.push(`*Responds to instance ${inst.parentId}*`);
  return out.join('\n');
}
