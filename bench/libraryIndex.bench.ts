/**
 * The library index at researcher sizes (1,000 and 5,000 Markdown papers, generated with a fixed
 * seed), each goal against a baseline measured in the same run:
 *
 *   - a new process answers its first library question (`node dist/cli.js retrieve <folder> …`,
 *     the real CLI, index already on disk) in < 1 s at 1,000 papers and < 2 s at 5,000; baseline:
 *     a new process that only reads the index file. Median of 5, with the child's peak RSS
 *     (goal < 400 MB at 5,000).
 *   - p95 query latency at 5,000 papers < 20 ms (baseline: the index as of c5272eb, bench/baseline/).
 *   - first-ever indexing of 5,000 papers, the analysis and index-add path per passage, at least
 *     3× faster than the c5272eb path (bench/baseline/), on the same parsed papers.
 *
 *   node --import tsx bench/libraryIndex.bench.ts            full sizes (what npm run bench reports)
 *   ALIGN_BENCH_QUICK=1 node --import tsx bench/libraryIndex.bench.ts    200 and 1,000 papers
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeSyntheticLibrary, syntheticQuestions } from './syntheticLibrary';
import { chunkSource } from '../src/core/retrieval/chunker';
import { PassageIndex } from '../src/core/retrieval/retriever';
import { PaperLibrary } from '../src/core/retrieval/library';
import { libraryIndexFile } from '../src/core/retrieval/libraryIndexFile';
import { SourceCache } from '../src/core/sources/sourceCache';
import { sha256Hex } from '../src/core/sources/hash';
import { PassageIndex as BaselineIndex } from './baseline/retriever';
import type { ParsedSource } from '../src/core/sources/sourceTypes';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const QUICK = process.env.ALIGN_BENCH_QUICK === '1';
// Largest first: its first-ever index fills the parse cache the smaller library (its first papers) then shares.
const SIZES = QUICK ? [1000, 200] : [5000, 1000];
const RUNS = 5;
const WORK = path.join(os.tmpdir(), 'align-bench-library');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

/** Runs a node child and returns its wall time and peak RSS (reported by the child itself on exit). */
function runNode(args: string[], env: NodeJS.ProcessEnv): { ms: number; maxRssKb: number; stdout: string; status: number | null } {
  const rssFile = path.join(WORK, `rss-${process.pid}.txt`);
  fs.rmSync(rssFile, { force: true });
  const t = performance.now();
  const r = spawnSync(process.execPath, ['--require', path.join(WORK, 'rss-hook.cjs'), ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - t;
  const maxRssKb = fs.existsSync(rssFile) ? Number(fs.readFileSync(rssFile, 'utf8')) : NaN;
  if (r.status !== 0) console.log(`  (child failed: ${r.stderr.slice(0, 500)})`);
  return { ms, maxRssKb, stdout: r.stdout, status: r.status };
}

function writeHook(): void {
  const rssFile = path.join(WORK, `rss-${process.pid}.txt`);
  // VmHWM, the peak of this process's own memory: getrusage's maxRSS also counts the parent's
  // pages at fork on Linux, so every child would look as big as the bench.
  const peak = `(()=>{try{const m=/VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status','utf8'));if(m)return m[1]}catch{}return String(process.resourceUsage().maxRSS)})()`;
  fs.writeFileSync(path.join(WORK, 'rss-hook.cjs'), `process.on('exit',()=>require('fs').writeFileSync(${JSON.stringify(rssFile)},${peak}))`);
}

/** The parsed papers of a library, from the parse cache the CLI filled. */
function parsedPapers(files: string[], cacheDir: string): ParsedSource[] {
  const cache = new SourceCache(path.join(cacheDir, 'sources'));
  return files.map((f) => {
    const s = cache.get(sha256Hex(fs.readFileSync(f)));
    if (!s) throw new Error(`${f} is not in the parse cache`);
    return s;
  });
}

async function main(): Promise<void> {
  if (!fs.existsSync(CLI)) {
    console.log('building dist/ (node esbuild.mjs)…');
    spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  }
  fs.mkdirSync(WORK, { recursive: true });
  writeHook();
  console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)${QUICK ? '  QUICK sizes' : ''}`);
  const questions = syntheticQuestions(200);
  const latency = (fn: (q: string) => unknown) => {
    for (const q of questions.slice(0, 10)) fn(q);
    const times: number[] = [];
    for (const q of questions) {
      const s = performance.now();
      fn(q);
      times.push(performance.now() - s);
    }
    return times;
  };
  for (const papers of SIZES) {
    const dir = path.join(WORK, `papers-${papers}`);
    const cacheDir = path.join(WORK, 'cache');
    let t = performance.now();
    const files = writeSyntheticLibrary(dir, { papers });
    console.log(`\n${papers} synthetic Markdown papers in ${dir} (ready in ${secs(performance.now() - t)})`);
    const env = { ...process.env, ALIGN_CACHE_DIR: cacheDir };

    // First-ever index by the real CLI: parse, chunk, index, write the index file.
    const firstEver = papers === SIZES[0];
    if (firstEver) fs.rmSync(cacheDir, { recursive: true, force: true });
    const indexFile = libraryIndexFile(cacheDir, dir);
    fs.rmSync(indexFile, { force: true });
    const first = runNode([CLI, 'index', dir, '--json'], env);
    const indexed = JSON.parse(first.stdout) as { papers: number };
    console.log(`  ${firstEver ? 'first-ever `align index` (parse + index + write)' : '`align index` with papers already parsed (index + write)'}: ${secs(first.ms)} for ${indexed.papers} papers, peak RSS ${mb(first.maxRssKb)}, index file ${(fs.statSync(indexFile).size / 1e6).toFixed(0)} MB`);

    // A new process answers its first question, against a new process that only reads the index file.
    const question = 'How does the reward model keep the policy from exploiting the KL penalty?';
    const bare: { ms: number; maxRssKb: number }[] = [];
    const answer: { ms: number; maxRssKb: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(runNode(['-e', `require('fs').readFileSync(${JSON.stringify(indexFile)})`], env));
      const r = runNode([CLI, 'retrieve', dir, question, '--json'], env);
      const out = JSON.parse(r.stdout) as { papers: number; passages: unknown[] };
      if (out.papers !== papers || !out.passages.length) throw new Error(`retrieve answered over ${out.papers} papers with ${out.passages.length} passages`);
      answer.push(r);
    }
    const goal = papers >= 5000 ? 2000 : 1000;
    const a = median(answer.map((r) => r.ms));
    const b = median(bare.map((r) => r.ms));
    const rss = median(answer.map((r) => r.maxRssKb));
    console.log(`  new process, first question (align retrieve), median of ${RUNS}: ${secs(a)}   bare index read: ${secs(b)}   ratio ${(a / b).toFixed(1)}×   goal < ${secs(goal)}: ${verdict(a < goal)}`);
    console.log(`  peak RSS, median of ${RUNS}: ${mb(rss)} (bare read ${mb(median(bare.map((r) => r.maxRssKb)))})${papers >= 5000 ? `   goal < 400 MB: ${verdict(rss < 400 * 1024)}` : ''}`);

    if (!firstEver) continue;
    // First-ever indexing, per passage: the c5272eb analysis and add path against today's, same parsed papers.
    t = performance.now();
    const sources = parsedPapers(files, cacheDir);
    console.log(`  (${sources.length} parsed papers read from the parse cache in ${secs(performance.now() - t)})`);
    let passages = 0;
    (globalThis as { gc?: () => void }).gc?.();
    t = performance.now();
    let old: BaselineIndex | undefined = new BaselineIndex();
    for (const s of sources) old.add(s, chunkSource(s));
    const oldMs = performance.now() - t;
    const oldTimes = latency((q) => old!.search(q, 12));
    // Dropped before ours is built, so neither build pays for the other's heap.
    old = undefined;
    (globalThis as { gc?: () => void }).gc?.();
    t = performance.now();
    const ours = new PassageIndex();
    for (const s of sources) {
      const chunks = chunkSource(s);
      passages += chunks.length;
      ours.add(s, chunks);
    }
    ours.search('warm', 1); // the first search merges what was added: part of indexing
    const newMs = performance.now() - t;
    const speedup = oldMs / newMs;
    console.log(`  first-ever indexing, chunk + analyse + add, ${passages} passages: c5272eb ${((oldMs * 1000) / passages).toFixed(1)} µs/passage, now ${((newMs * 1000) / passages).toFixed(1)} µs/passage   ${speedup.toFixed(1)}× faster   goal ≥ 3×: ${verdict(speedup >= 3)}`);

    // Query latency on the loaded library (as a new process sees it), against the c5272eb index.
    const library = new PaperLibrary(dir, async () => {
      throw new Error('no paper should be read: the index is on disk');
    }, undefined, { indexFile });
    await library.refresh();
    const ourTimes = latency((q) => library.search(q, 12));
    const p95 = pct(ourTimes, 95);
    console.log(`  query latency over ${papers} papers, ${questions.length} questions, k = 12: p50 ${pct(ourTimes, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms   (c5272eb index: p50 ${pct(oldTimes, 50).toFixed(2)} ms, p95 ${pct(oldTimes, 95).toFixed(2)} ms)   goal p95 < 20 ms: ${verdict(p95 < 20)}`);
  }
  console.log(`\nload average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
