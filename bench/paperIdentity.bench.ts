/**
 * Paper identity on the real papers in ../shared/papers (skipped when absent): the arXiv id and
 * version or DOI, title, authors and date read from each paper, printed for a person to check,
 * with the time the identity adds to a parse (parsePdf with and without it is not separable, so
 * the identification itself is timed on the parsed first page).
 *
 *   node --import tsx bench/paperIdentity.bench.ts
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePdf } from '../src/core/sources/pdfSource';

// Beside the repository (../shared) or beside a worktree of it (../../shared); $ALIGN_PAPERS overrides.
const PAPERS = process.env.ALIGN_PAPERS ?? [path.resolve(__dirname, '../../shared/papers'), path.resolve(__dirname, '../../../shared/papers')].find((d) => fs.existsSync(d)) ?? path.resolve(__dirname, '../../shared/papers');

async function main(): Promise<void> {
  if (!fs.existsSync(PAPERS)) {
    console.log(`skipped: ${PAPERS} is absent`);
    return;
  }
  for (const f of fs.readdirSync(PAPERS).filter((x) => x.endsWith('.pdf')).sort()) {
    const p = path.join(PAPERS, f);
    const r = await parsePdf(new Uint8Array(fs.readFileSync(p)), { path: p });
    const { title, authors, date, identifier, doi } = r.ref;
    console.log(`${f}\n  identifier ${identifier ?? '-'}${doi ? `  doi ${doi}` : ''}  date ${date ?? '-'}\n  title      ${title}\n  authors    ${(authors ?? []).join('; ') || '-'}\n  warnings   ${r.warnings.length}`);
  }
}
void main();
