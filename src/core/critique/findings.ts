import type { JsonSchemaFormat } from '../model/modelTypes';

export type Severity = 'minor' | 'moderate' | 'major';

/** A finding as the model states it. */
export interface Finding {
  /** The sentence the finding is about, verbatim from the draft. */
  quote: string;
  problem: string;
  why: string;
  severity: Severity;
  suggestion?: string;
}

export const FINDINGS_SCHEMA: JsonSchemaFormat = {
  name: 'draft_critique_findings',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['findings'],
    properties: {
      findings: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['quote', 'problem', 'why', 'severity', 'suggestion'],
          properties: {
            quote: { type: 'string', description: 'The exact sentence from the section, copied verbatim.' },
            problem: { type: 'string', description: 'What is wrong.' },
            why: { type: 'string', description: 'Why it matters.' },
            severity: { type: 'string', enum: ['minor', 'moderate', 'major'] },
            suggestion: { type: 'string', description: 'How to fix it.' },
          },
        },
      },
    },
  },
};

/** The plain-text layout asked of endpoints without structured output. */
export const PLAIN_FORMAT = `Write each finding as a block:
> the exact sentence, copied verbatim
Problem: what is wrong
Why: why it matters
Severity: minor | moderate | major
Suggestion: how to fix it
Separate blocks with a blank line. Write "No findings." if there is nothing worth saying.`;

const SEVERITIES = new Set(['minor', 'moderate', 'major']);

function asFinding(x: unknown): Finding | string {
  if (!x || typeof x !== 'object') return 'a finding is not an object';
  const f = x as Record<string, unknown>;
  if (typeof f.quote !== 'string' || !f.quote.trim()) return 'a finding has no quote';
  if (typeof f.problem !== 'string' || !f.problem.trim()) return 'a finding has no problem';
  const severity = typeof f.severity === 'string' && SEVERITIES.has(f.severity.toLowerCase()) ? (f.severity.toLowerCase() as Severity) : 'moderate';
  return {
    quote: f.quote.trim(),
    problem: f.problem.trim(),
    why: typeof f.why === 'string' ? f.why.trim() : '',
    severity,
    ...(typeof f.suggestion === 'string' && f.suggestion.trim() ? { suggestion: f.suggestion.trim() } : {}),
  };
}

/** The JSON object in an answer: the whole text, a ```json fence, or the first {...} span. */
function extractJson(text: string): unknown {
  const tries = [text.trim(), /```(?:json)?\s*([\s\S]*?)```/i.exec(text)?.[1], text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1)];
  for (const t of tries) {
    if (!t) continue;
    try {
      return JSON.parse(t);
    } catch {
      // try the next shape
    }
  }
  return undefined;
}

function parsePlain(text: string): { findings: Finding[]; problems: string[] } {
  const findings: Finding[] = [];
  const problems: string[] = [];
  for (const block of text.split(/\n\s*\n(?=\s*>)/)) {
    const quote = block
      .split('\n')
      .filter((l) => l.trim().startsWith('>'))
      .map((l) => l.replace(/^\s*>\s?/, ''))
      .join(' ')
      .trim();
    const field = (name: string) => new RegExp(`^\\s*\\**${name}\\**\\s*:\\s*(.+)$`, 'im').exec(block)?.[1]?.trim();
    if (!quote) continue;
    const f = asFinding({ quote: quote.replace(/^["“]|["”]$/g, ''), problem: field('Problem'), why: field('Why'), severity: field('Severity'), suggestion: field('Suggestion') });
    if (typeof f === 'string') problems.push(f);
    else findings.push(f);
  }
  return { findings, problems };
}

/**
 * Reads the model's findings: JSON (bare, fenced or wrapped in prose) or the plain-text layout.
 * Findings that cannot be read are reported, never silently dropped.
 */
export function parseFindings(text: string): { findings: Finding[]; problems: string[] } {
  const json = extractJson(text);
  const list = Array.isArray(json) ? json : json && typeof json === 'object' ? (json as { findings?: unknown }).findings : undefined;
  if (Array.isArray(list)) {
    const findings: Finding[] = [];
    const problems: string[] = [];
    for (const item of list) {
      const f = asFinding(item);
      if (typeof f === 'string') problems.push(f);
      else findings.push(f);
    }
    return { findings, problems };
  }
  const plain = parsePlain(text);
  if (!plain.findings.length && !/no findings/i.test(text) && text.trim()) {
    plain.problems.push('the answer was neither JSON findings nor the plain layout');
  }
  return plain;
}
