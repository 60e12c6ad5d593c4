import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { loadTask, modelFrom } from './coreCommands';
import { UsageError, readInputFile } from './cliIo';
import { critiqueDraft } from '../core/critique/critiqueRunner';
import { AlignError } from '../core/errors';

/** align critique <post.md> [--json]: findings with their line ranges. */
export async function critiqueCli(o: CommonOptions, args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('align critique needs a Markdown file: align critique post.md');
  if (o.values.planted !== undefined) return (await import('./plantedCli')).plantedCli(o, file);
  const abs = path.resolve(o.io.cwd, file);
  const text = readInputFile(abs);
  if (!/\.(md|markdown)$/i.test(abs)) o.io.stderr(`warning: ${abs} does not end in .md; reading it as Markdown.\n`);
  const model = modelFrom(o);
  if (!model) throw new AlignError('No model is configured.', 'not-configured', undefined, { remedy: 'configure-model' });
  const task = await loadTask(o, 'draft-critique');
  const report = await critiqueDraft(text, {
    model,
    task,
    signal: o.signal,
    file: abs,
    onProgress: o.values.json ? undefined : (done, total, section) => o.io.stderr(`[${done}/${total}] ${section}\n`),
  });
  if (o.values.json) {
    o.io.stdout(
      JSON.stringify({
        file: abs,
        title: report.title,
        findings: report.findings.map((f) => ({ quote: f.quote, problem: f.problem, why: f.why, severity: f.severity, suggestion: f.suggestion, section: f.section, startLine: f.startLine, endLine: f.endLine, match: f.match })),
        unplaced: report.unplaced,
        unreadable: report.unreadable,
        errors: report.errors,
        stats: report.stats,
      }) + '\n',
    );
  } else {
    for (const f of report.findings) {
      o.io.stdout(`${file}:${f.startLine}${f.endLine !== f.startLine ? `-${f.endLine}` : ''} [${f.severity}] “${f.quote.length > 80 ? `${f.quote.slice(0, 77)}…` : f.quote}” — ${f.problem}${f.why ? ` ${f.why}` : ''}${f.suggestion ? ` Suggestion: ${f.suggestion}` : ''}\n`);
    }
    for (const u of report.unplaced) o.io.stdout(`(not placed: the quote was not found in "${u.section}") [${u.severity}] “${u.quote}” — ${u.problem}\n`);
    const unread = report.unreadable.length;
    o.io.stdout(
      `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} in ${report.stats.units} part${report.stats.units === 1 ? '' : 's'} of "${report.title}"` +
        `${unread ? `; ${unread} more could not be read (listed on stderr)` : ''}${report.errors.length ? `; ${report.errors.length} part${report.errors.length === 1 ? '' : 's'} failed` : ''}.\n`,
    );
  }
  // A finding the model wrote but we could not read is not "no finding": say so, every time.
  for (const u of report.unreadable) o.io.stderr(`align: a finding in section "${u.section}" could not be read: ${u.problem}\n`);
  for (const e of report.errors) o.io.stderr(`align: section "${e.section}" (line ${e.startLine}) failed: ${e.message}\n`);
  // Nothing usable came back, yet the model did answer or fail: not a clean "0 findings".
  return (report.errors.length || report.unreadable.length) && !report.findings.length && !report.unplaced.length ? 1 : 0;
}
