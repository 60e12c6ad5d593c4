// Retrieval quality (rank-1 count, recall@5, MRR on RETRIEVAL_QUESTIONS and HELD_OUT_QUESTIONS) against a plain BM25 baseline
// (minisearch with its defaults), and latency/heap at 1, 100 and 1,000 papers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import MiniSearch from 'minisearch';
import { loadSourceFile } from '../src/core/sources/loadSource';
import { chunkSource } from '../src/core/retrieval/chunker';
import { PassageIndex } from '../src/core/retrieval/retriever';
import type { ParsedSource, Passage } from '../src/core/sources/sourceTypes';
import { HELD_OUT_QUESTIONS, RETRIEVAL_QUESTIONS, type RetrievalQuestion } from './retrievalQuestions';

const PAPERS = path.resolve(__dirname, '..', '..', 'shared', 'papers');
const fold = (s: string) => s.toLowerCase().replace(/\s+/g, ' ');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main(): Promise<void> {
  if (!fs.existsSync(PAPERS)) {
    console.log(`skipped: ${PAPERS} is not here (the real papers are for development only)`);
    return;
  }
  const files = [...new Set([...RETRIEVAL_QUESTIONS, ...HELD_OUT_QUESTIONS].map((q) => q.paper))];
  const sources = new Map<string, ParsedSource>();
  for (const f of files) sources.set(f, await loadSourceFile(path.join(PAPERS, f)));

  // Quality: each question against its own paper, as "Ask About This Document" does.
  const quality = (set: RetrievalQuestion[], label: string) => {
    const rank = { ours: [] as number[], baseline: [] as number[] };
    for (const q of set) {
      const src = sources.get(q.paper)!;
      const chunks = chunkSource(src);
      const answers = new Set(chunks.filter((c) => fold(c.text).includes(fold(q.answer))).map((c) => c.id));
      if (!answers.size) {
        console.log(`  (no passage contains "${q.answer}" in ${q.paper}; question left out)`);
        continue;
      }
      const idx = new PassageIndex();
      idx.add(src, chunks);
      const ours = idx.search(q.question, 20).map((p) => p.id);
      const mini = new MiniSearch<Passage>({ fields: ['text'], storeFields: ['id'] });
      mini.addAll(chunks);
      const base = mini.search(q.question).slice(0, 20).map((r) => String(r.id));
      const pos = (list: string[]) => list.findIndex((id) => answers.has(id)) + 1;
      rank.ours.push(pos(ours));
      rank.baseline.push(pos(base));
    }
    const recall = (r: number[], n: number) => r.filter((x) => x >= 1 && x <= n).length / r.length;
    const mrr = (r: number[]) => r.reduce((s, x) => s + (x ? 1 / x : 0), 0) / r.length;
    const line = (name: string, r: number[]) =>
      `  ${name.padEnd(34)} first ${r.filter((x) => x === 1).length}/${r.length}   recall@5 ${recall(r, 5).toFixed(2)}   MRR ${mrr(r).toFixed(2)}`;
    console.log(`${label}: ${rank.ours.length} questions`);
    console.log(line('plain BM25 (minisearch defaults)', rank.baseline));
    console.log(line('ours (stems, compounds, expansion)', rank.ours));
    console.log(`  ranks of the answering passage (ours): ${rank.ours.map((r) => r || '-').join(' ')}`);
  };
  console.log(`retrieval quality on questions about ${files.length} real papers (rank of the first passage that contains the answer)`);
  quality(RETRIEVAL_QUESTIONS, 'questions the ranking was tuned on');
  quality(HELD_OUT_QUESTIONS, 'held-out questions (never used for tuning)');

  // Latency and heap: the real papers' chunks replicated with each copy's vocabulary perturbed.
  const base = [...sources.values()];
  const queries = [...RETRIEVAL_QUESTIONS, ...HELD_OUT_QUESTIONS].map((q) => q.question);
  console.log('\nlatency (200 queries per size) and index heap');
  for (const papers of [1, 100, 1000]) {
    (globalThis as { gc?: () => void }).gc?.();
    // The index keeps passage text in buffers outside the JS heap: count both.
    const inUse = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const heap0 = inUse();
    const idx = new PassageIndex();
    const t0 = performance.now();
    for (let i = 0; i < papers; i++) {
      const src = base[i % base.length];
      const suffix = i < base.length ? '' : `x${i}`;
      const copy: ParsedSource = {
        ...src,
        ref: { ...src.ref, contentHash: `${src.ref.contentHash}-${i}` },
        blocks: suffix ? src.blocks.map((b) => ({ ...b, text: b.text.replace(/\b([a-z]{6,})\b/g, (w, _m, off: number) => (off % 7 === 0 ? w + suffix : w)) })) : src.blocks,
      };
      idx.add(copy);
    }
    const buildMs = performance.now() - t0;
    (globalThis as { gc?: () => void }).gc?.();
    const heapMb = (inUse() - heap0) / 1e6;
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const q = queries[i % queries.length];
      const t = performance.now();
      idx.search(q, 5);
      times.push(performance.now() - t);
    }
    console.log(`  ${String(papers).padStart(5)} papers  ${String(idx.size).padStart(7)} chunks   p50 ${pct(times, 50).toFixed(2)} ms   p95 ${pct(times, 95).toFixed(2)} ms   index ${heapMb.toFixed(0)} MB (heap + buffers)   built in ${(buildMs / 1000).toFixed(1)} s`);
  }
  console.log('  goals: p95 < 10 ms at 1,000 papers, index < 300 MB');
}

void main();
