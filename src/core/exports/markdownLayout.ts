import type { TaskInstance } from '../dataset/instanceTypes';
import type { InformationConstraints, TaskSpec } from '../tasks/taskTypes';

/** Info constraints in words, as the tasks call wrote them; "None" when there are none. */
export function constraintsText(c: InformationConstraints): string {
  const parts: string[] = [];
  if (c.knowledgeCutoff) parts.push(`Knowledge cut-off: ${c.knowledgeCutoff}`);
  if (c.excludedDocuments?.length) parts.push(`Excluded documents: ${c.excludedDocuments.join('; ')}`);
  if (c.note) parts.push(`Note: ${c.note}`);
  return parts.length ? parts.join('. ') : 'None';
}

function inputText(inst: TaskInstance): string {
  const out: string[] = [];
  if (inst.input.source) out.push(`Source: ${inst.input.source.title}${inst.input.source.url ? ` (${inst.input.source.url})` : ''}`);
  for (const [k, v] of Object.entries(inst.input.fields ?? {})) out.push(`${k[0].toUpperCase()}${k.slice(1)}: ${v}`);
  if (inst.input.text !== undefined && inst.input.text.trim()) out.push(inst.input.text.trim());
  for (const d of inst.input.dialogue) out.push(`${d.role === 'researcher' ? 'Researcher' : 'Assistant'}: ${d.content.trim()}`);
  return out.join('\n\n') || '(empty)';
}

/**
 * Tasks and instances in the layout of the 2022 tasks call: "Task: …" with Context / Input type /
 * Output type / Info constraints, then "Instance N" with Input and Output. Readable by people
 * and by `importTasksMarkdown`.
 */
export function renderTasksMarkdown(tasks: { spec: TaskSpec; instances: TaskInstance[] }[]): string {
  const out: string[] = ['# Alignment research tasks', ''];
  for (const { spec, instances } of tasks) {
    out.push(`## Task: ${spec.title}`, '', `<!-- task-id: ${spec.id} -->`, '');
    out.push(`**Context:** ${spec.context}`, '', `**Input type:** ${spec.inputType}`, '', `**Output type:** ${spec.outputType}`, '', `**Info constraints:** ${constraintsText(spec.constraints)}`, '');
    instances.forEach((inst, n) => {
      out.push(`### Instance ${n + 1}`, '', `<!-- instance-id: ${inst.id} -->`, '', '**Input:**', '', inputText(inst), '', '**Output:**', '', inst.output.trim(), '');
    });
  }
  return out.join('\n');
}
