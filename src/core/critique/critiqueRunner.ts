import type { ChatMessage, ModelClient } from '../model/modelTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import { systemMessage } from '../prompts/promptBuilder';
import { escapePromptData } from '../prompts/promptData';
import { outlineDraft, planCritiqueUnits, type CritiqueUnit } from './draftSections';
import { FINDINGS_SCHEMA, PLAIN_FORMAT, parseFindings, type Finding } from './findings';
import { anchorQuote } from './anchorFinding';
import { AlignError, CancelledError, describeError } from '../errors';

/** A finding placed on the lines its quote comes from. */
export interface AnchoredFinding extends Finding {
  id: string;
  sectionId: string;
  section: string;
  startLine: number;
  endLine: number;
  /** 0-based columns of the quoted sentence on its first and last line, when known. */
  startCol?: number;
  endCol?: number;
  match: 'exact' | 'tolerant' | 'fuzzy';
  /** The unit's text and context: the input of the draft-critique instance if it is accepted. */
  unitText: string;
  unitContext: string;
}

export interface CritiqueReport {
  title: string;
  findings: AnchoredFinding[];
  /** Findings whose quote could not be found: listed apart, never pinned to a wrong line. */
  unplaced: (Finding & { section: string; reason: string })[];
  /** Sections whose request failed; the others still count. */
  errors: { section: string; startLine: number; message: string; partial?: string }[];
  /** Findings the model wrote but that could not be read. */
  unreadable: { section: string; problem: string }[];
  omitted: string[];
  stats: { sections: number; units: number; modelMs: number; toolMs: number; structured: boolean };
}

export interface CritiqueOptions {
  model: ModelClient;
  task: TaskSpec;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, section: string) => void;
  maxTokensPerUnit?: number;
  /** The draft's file, named in errors about it. */
  file?: string;
}

/** The messages a unit is critiqued with (exported for the bench's baseline: the same requests without the tool). */
export function critiqueMessages(task: TaskSpec, unit: CritiqueUnit, structured: boolean): ChatMessage[] {
  return [
    { role: 'system', content: `${systemMessage(task, false)}\n\n${structured ? 'Answer with JSON only, following the schema.' : PLAIN_FORMAT}` },
    {
      role: 'user',
      content: `${escapePromptData(unit.context)}\n\nCritique this section ("${escapePromptData(unit.section.heading, 'attribute')}"). Quote sentences exactly as they appear.\n<input>\n${escapePromptData(unit.text)}\n</input>`,
    },
  ];
}

/** Runs `work` over `items` with at most `limit` at once; stops launching when the signal aborts. */
async function pool<T>(items: T[], limit: number, signal: AbortSignal | undefined, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length && !signal?.aborted) await work(items[next++]);
  });
  await Promise.all(runners);
}

/**
 * Critiques a Markdown draft section by section: each unit goes to the model with the task's
 * instructions (structured output when the endpoint takes it), units run concurrently under a
 * limit, and every finding is anchored to the lines its quote comes from.
 */
export async function critiqueDraft(text: string, opts: CritiqueOptions): Promise<CritiqueReport> {
  const t0 = performance.now();
  if (!text.trim()) throw new AlignError('The draft is empty.', 'empty-draft', 'Write something first.');
  const outline = outlineDraft(text, opts.file);
  const units = planCritiqueUnits(outline, { maxTokensPerUnit: opts.maxTokensPerUnit });
  if (!units.length) throw new AlignError('The draft has no text to critique (only front matter or headings).', 'empty-draft', 'Add some paragraphs.');
  const report: CritiqueReport = {
    title: outline.title,
    findings: [],
    unplaced: [],
    errors: [],
    unreadable: [],
    omitted: units.flatMap((u) => u.omitted),
    stats: { sections: outline.sections.length, units: units.length, modelMs: 0, toolMs: 0, structured: true },
  };
  let done = 0;
  let modelMs = 0;
  // The tool's own time: outlining, then parsing and anchoring each answer (not waiting for the model).
  let toolMs = performance.now() - t0;
  const finished = (unit: CritiqueUnit) => {
    done++;
    opts.onProgress?.(done, units.length, unit.section.heading);
  };
  const place = (unit: CritiqueUnit, answer: string) => {
    const started = performance.now();
    const { findings, problems } = parseFindings(answer);
    for (const p of problems) report.unreadable.push({ section: unit.section.heading, problem: p });
    const unitLines = outline.lines.slice(unit.startLine - 1, unit.endLine);
    for (const f of findings) {
      const anchor = anchorQuote(f.quote, unitLines, unit.startLine);
      if (!anchor) {
        report.unplaced.push({ ...f, section: unit.section.heading, reason: 'the quote does not appear in the section' });
        continue;
      }
      report.findings.push({
        ...f,
        ...anchor,
        id: `${unit.section.id}-${report.findings.length + 1}`,
        sectionId: unit.section.id,
        section: unit.section.heading,
        unitText: unit.text,
        unitContext: unit.context,
      });
    }
    toolMs += performance.now() - started;
  };
  await pool(units, opts.concurrency ?? 3, opts.signal, async (unit) => {
    const started = performance.now();
    try {
      const result = await opts.model.chat({ messages: critiqueMessages(opts.task, unit, true), jsonSchema: FINDINGS_SCHEMA, signal: opts.signal });
      modelMs += performance.now() - started;
      if (result.structured === false) report.stats.structured = false;
      // Placed at once: deferring it to the next turn of the event loop (so that the runner's
      // next request went out first) measured 3 ms slower a run, not faster.
      place(unit, result.text);
    } catch (e) {
      modelMs += performance.now() - started;
      const err = e as { code?: string; partial?: string };
      if (err.code !== 'cancelled') report.errors.push({ section: unit.section.heading, startLine: unit.startLine, message: describeError(e), partial: err.partial });
    } finally {
      finished(unit);
    }
  });
  if (opts.signal?.aborted) throw new CancelledError(undefined, `Critique cancelled after ${done} of ${units.length} sections.`);
  report.findings.sort((a, b) => a.startLine - b.startLine);
  report.stats.modelMs = Math.round(modelMs);
  report.stats.toolMs = Math.round(toolMs * 100) / 100;
  return report;
}
