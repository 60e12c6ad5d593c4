/**
 * Source ingestion speed on the real papers in ../shared/papers (skipped when absent):
 * parsePdf against bare unpdf extractText in the same run (goal ≤ 1.2×), a cached reopen of the
 * 45-page Stiennon paper (goal < 50 ms), and the long Markdown post. Prints a sanity sample too.
 *
 *   node --import tsx bench/sources.bench.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parsePdf } from '../src/core/sources/pdfSource';
import { parseMarkdown } from '../src/core/sources/markdownSource';
import { loadSourceFile } from '../src/core/sources/loadSource';
import { SourceCache } from '../src/core/sources/sourceCache';
import { PassageIndex } from '../src/core/retrieval/retriever';
import { PaperLibrary } from '../src/core/retrieval/library';

const PAPERS = path.resolve(__dirname, '../../shared/papers');
const RUNS = 5;
/** The indexing table's runs: its ratios are the issue's goal, and this machine's noise is ±20%. */
const INDEX_RUNS = 9;

function stats(xs: number[]): { median: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] };
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const ms = (n: number) => `${n.toFixed(1)} ms`;

async function main(): Promise<void> {
  if (!fs.existsSync(PAPERS)) {
    console.log(`skipped: ${PAPERS} not found (the benchmark papers are not on this machine)`);
    return;
  }
  const { extractText, getDocumentProxy } = await import('unpdf');
  const pdfs = fs.readdirSync(PAPERS).filter((f) => f.endsWith('.pdf')).sort();
  // Warm up module loading and pdf.js's font tables once, outside the measurements.
  const warm = new Uint8Array(fs.readFileSync(path.join(PAPERS, pdfs[0])));
  await parsePdf(warm, { path: pdfs[0] });
  await extractText(await getDocumentProxy(new Uint8Array(warm), { isEvalSupported: false }), { mergePages: false });

  console.log(`PDF ingest, median of ${RUNS} (interleaved runs)`);
  console.log('paper'.padEnd(44), 'pages', 'unpdf extractText'.padStart(18), 'parsePdf'.padStart(10), 'p95'.padStart(9), 'ratio'.padStart(6));
  const ratios: number[] = [];
  for (const f of pdfs) {
    const bytes = new Uint8Array(fs.readFileSync(path.join(PAPERS, f)));
    const base: number[] = [];
    const ours: number[] = [];
    let pages = 0;
    for (let i = 0; i < RUNS; i++) {
      base.push(
        await time(async () => {
          const doc = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false });
          const r = await extractText(doc, { mergePages: false });
          pages = r.totalPages;
          await doc.destroy();
        }),
      );
      ours.push(await time(() => parsePdf(bytes, { path: f })));
    }
    const b = stats(base);
    const o = stats(ours);
    ratios.push(o.median / b.median);
    console.log(f.padEnd(44), String(pages).padStart(5), ms(b.median).padStart(18), ms(o.median).padStart(10), ms(o.p95).padStart(9), `${(o.median / b.median).toFixed(2)}×`.padStart(6));
  }
  console.log(`worst ratio ${Math.max(...ratios).toFixed(2)}× (goal ≤ 1.2×)`);

  // First-ever indexing of a PDF as the library does it: read, hash, parse in the bounded worker,
  // chunk and add to the index, against bare unpdf extractText on the same bytes.
  // The PDF worker is started once per window (or CLI run) and kept warm for the library's next
  // papers: its start is shown apart, then every paper is timed with the worker warm, as all but
  // the first paper of a library are.
  const firstFile = path.join(PAPERS, pdfs[0]);
  const workerCold = await time(() => loadSourceFile(firstFile));
  const workerWarm = await time(() => loadSourceFile(firstFile));
  console.log(`\nPDF worker start (once per window or CLI run): ${pdfs[0]} read in ${ms(workerCold)} with a new worker, ${ms(workerWarm)} with it warm`);
  // pdf.js in this thread has just read every paper five times for the table above; the worker
  // reads each once, so that both are compiled before either is timed.
  for (const f of pdfs) await loadSourceFile(path.join(PAPERS, f));
  console.log(`first PDF indexing (loadSourceFile, no cache: read + hash + worker parse + chunk + index add), median of ${INDEX_RUNS}, interleaved`);
  const indexRatios: number[] = [];
  for (const f of pdfs) {
    const file = path.join(PAPERS, f);
    const bytes = new Uint8Array(fs.readFileSync(file));
    const base: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < INDEX_RUNS; i++) {
      base.push(
        await time(async () => {
          const doc = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false });
          await extractText(doc, { mergePages: false });
          await doc.destroy();
        }),
      );
      ours.push(await time(async () => new PassageIndex().add(await loadSourceFile(file))));
    }
    const b = stats(base).median;
    const o = stats(ours).median;
    indexRatios.push(o / b);
    console.log(f.padEnd(44), ms(b).padStart(10), ms(o).padStart(10), `${(o / b).toFixed(2)}×`.padStart(6));
  }
  console.log(`worst ratio ${Math.max(...indexRatios).toFixed(2)}× (goal ≤ 1.2×)`);

  // A library's first indexing as the user meets it: a folder of PDFs (each paper twice, the
  // copy one byte longer so that it is a paper of its own), refreshed from nothing (no parse
  // cache, no index), against bare unpdf reading the same files one after the other.
  const libDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sources-bench-library-'));
  try {
    const folder = path.join(libDir, 'papers');
    fs.mkdirSync(folder);
    for (const f of pdfs) {
      const bytes = fs.readFileSync(path.join(PAPERS, f));
      fs.writeFileSync(path.join(folder, f), bytes);
      fs.writeFileSync(path.join(folder, `copy-${f}`), Buffer.concat([bytes, Buffer.from('\n')]));
    }
    const files = fs.readdirSync(folder).map((f) => path.join(folder, f));
    const bare: number[] = [];
    const library: number[] = [];
    // One refresh first, not counted: the second PDF worker starts (once per window or CLI run, as above).
    await new PaperLibrary(folder, (f, signal) => loadSourceFile(f, { signal })).refresh();
    for (let i = 0; i < 3; i++) {
      bare.push(
        await time(async () => {
          for (const f of files) {
            const doc = await getDocumentProxy(new Uint8Array(fs.readFileSync(f)), { isEvalSupported: false });
            await extractText(doc, { mergePages: false });
            await doc.destroy();
          }
        }),
      );
      library.push(
        await time(async () => {
          const r = await new PaperLibrary(folder, (f, signal) => loadSourceFile(f, { signal })).refresh();
          if (r.added !== files.length || r.problems.length) throw new Error(`indexed ${r.added} of ${files.length}: ${JSON.stringify(r.problems)}`);
        }),
      );
    }
    const b = stats(bare).median;
    const l = stats(library).median;
    console.log(`a library of ${files.length} PDFs, first refresh (read + hash + parse + chunk + index, the next paper read while one is indexed): ${ms(l)} vs bare unpdf one after the other ${ms(b)}: ${(l / b).toFixed(2)}×, median of 3 after one uncounted   goal ≤ 1.2×`);
  } finally {
    fs.rmSync(libDir, { recursive: true, force: true });
  }

  const stiennon = path.join(PAPERS, 'stiennon2020_learning_to_summarize.pdf');
  if (fs.existsSync(stiennon)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sources-bench-'));
    try {
      const cache = new SourceCache(dir);
      const cold = await time(() => loadSourceFile(stiennon, { cache }));
      const warmRuns: number[] = [];
      for (let i = 0; i < RUNS * 2; i++) warmRuns.push(await time(() => loadSourceFile(stiennon, { cache })));
      const w = stats(warmRuns);
      console.log(`\nstiennon (45 pp) via SourceCache: first open ${ms(cold)}, cached reopen median ${ms(w.median)}, p95 ${ms(w.p95)} (goal < 50 ms)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const post = path.join(PAPERS, 'post_inner_outer_alignment.md');
  if (fs.existsSync(post)) {
    const text = fs.readFileSync(post, 'utf8');
    parseMarkdown(text, { path: post });
    const runs: number[] = [];
    let blocks = 0;
    for (let i = 0; i < RUNS; i++) runs.push(await time(() => (blocks = parseMarkdown(text, { path: post }).blocks.length)));
    const s = stats(runs);
    console.log(`Markdown post (${Math.round(text.length / 1024)} KB, ${blocks} blocks): median ${ms(s.median)}, p95 ${ms(s.p95)}`);
  }

  const li = path.join(PAPERS, 'li2021_prefix_tuning_acl_2col.pdf');
  if (fs.existsSync(li)) {
    const r = await parsePdf(new Uint8Array(fs.readFileSync(li)), { path: li });
    const page1 = r.blocks.filter((b) => b.location.page === 1).map((b) => b.text).join('\n');
    console.log(`\nsample: li2021 page 1, first 300 chars:\n${page1.slice(0, 300)}`);
  }
  const dpo = path.join(PAPERS, 'rafailov2023_dpo.pdf');
  if (fs.existsSync(dpo)) {
    const r = await parsePdf(new Uint8Array(fs.readFileSync(dpo)), { path: dpo });
    console.log(`\nrafailov2023_dpo.pdf: ${r.warnings.length} warning(s)${r.warnings.map((w) => `\n  ${w}`).join('')}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
