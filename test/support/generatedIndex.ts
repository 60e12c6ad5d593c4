// A library index of generated prose for tests that need size (the index file's read and write
// paths), and a probe of how long the event loop stops while something runs.
import { PassageIndex } from '../../src/core/retrieval/retriever';
import type { ParsedSource } from '../../src/core/sources/sourceTypes';

/** `papers` papers of `passages` passages of 60 words drawn (skewed, seeded) from 5,000. */
export function generatedIndex(papers: number, passages: number): PassageIndex {
  const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`);
  let seed = 1;
  const rnd = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const index = new PassageIndex();
  for (let p = 0; p < papers; p++) index.add(generatedPaper(p, passages, () => words[Math.floor(rnd() ** 2 * words.length)]));
  return index;
}

export function generatedPaper(n: number, passages: number, word: () => string = () => `word${n}`): ParsedSource {
  const blocks = Array.from({ length: passages }, (_, b) => ({ text: Array.from({ length: 60 }, word).join(' '), location: { page: 1 + (b >> 4) } }));
  return { ref: { title: `Paper ${n}`, kind: 'markdown', contentHash: `hash${n}` }, blocks, warnings: [] } as ParsedSource;
}

/** Runs `work` with a 1 ms ticker: the longest gap between ticks, and the whole time taken. */
export async function longestStall(work: () => Promise<unknown>): Promise<{ longest: number; total: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const t0 = performance.now();
  await work();
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(ticker);
  return { longest, total: performance.now() - t0 };
}
