/**
 * A deterministic library of synthetic Markdown papers for the library benches: the same seed
 * gives the same bytes, so two runs (and two machines) index the same text. Words follow a Zipf
 * law over a vocabulary of real alignment words and made-up names, like a real library's long
 * tail of rare terms (names, numbers, typos) that dominates the index's term count.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { seededRandom } from '../src/core/evaluation/statistics';

/** The core's seeded generator (mulberry32), so a seed gives the same library everywhere. */
export const seeded = seededRandom;

const COMMON = (
  'the of and to in a is that for we this with as on by are be from it an our at which model reward policy human feedback ' +
  'preference training learning language models alignment data results table figure section method approach evaluation ' +
  'performance baseline dataset task tasks optimization objective loss gradient value function agent environment behavior ' +
  'oversight interpretability deception honest truthful harmful safety robustness distribution shift generalization ' +
  'supervised fine-tuning reinforcement proximal KL penalty divergence labelers comparisons summaries quality sampling ' +
  'temperature prompt instruction benchmark scaling parameters compute latent knowledge elicitation probe activations ' +
  'features circuits neurons attention transformer layer residual stream debate amplification recursive reward modeling'
).split(/\s+/);

function makeVocabulary(rand: () => number, size: number): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const out = [...COMMON];
  while (out.length < size) {
    const len = 3 + Math.floor(rand() * 9);
    let w = '';
    for (let i = 0; i < len; i++) w += letters[Math.floor(rand() * 26)];
    out.push(w);
  }
  return out;
}

/** Options of a generated library. */
export interface SyntheticLibraryOptions {
  papers: number;
  seed?: number;
  /** Words per paper (about 25 passages at 4,000). */
  wordsPerPaper?: number;
  vocabulary?: number;
}

/** The text of paper `i`: front matter, a title, sections of paragraphs. Deterministic in (seed, i). */
export function syntheticPaper(i: number, opts: { seed?: number; wordsPerPaper?: number; vocab: string[] }): string {
  const rand = seeded((opts.seed ?? 1) * 1_000_003 + i);
  const vocab = opts.vocab;
  // Zipf: rank ~ 1/u^(1/s); a uniform draw maps to a rank in [0, vocab.length).
  const word = () => vocab[Math.min(vocab.length - 1, Math.floor(Math.pow(rand(), 6) * vocab.length))];
  const sentence = (n: number) => {
    const ws: string[] = [];
    for (let j = 0; j < n; j++) ws.push(word());
    if (rand() < 0.15) ws.push(`${(rand() * 100).toFixed(1)}%`);
    const s = ws.join(' ');
    return s[0].toUpperCase() + s.slice(1) + '.';
  };
  const total = opts.wordsPerPaper ?? 4000;
  const year = 2015 + (i % 10);
  const lines: string[] = ['---', `title: "Synthetic paper ${i}: ${word()} ${word()} ${word()}"`, `date: ${year}-0${1 + (i % 9)}-1${i % 10}`, `authors: ["Author ${i % 97}", "Writer ${i % 89}"]`, '---', '', `# Synthetic paper ${i}`, ''];
  let written = 0;
  let section = 0;
  while (written < total) {
    section++;
    lines.push(`## ${section} ${sentence(3).slice(0, -1)}`, '');
    for (let p = 0; p < 4 && written < total; p++) {
      const sentences: string[] = [];
      const n = 3 + Math.floor(rand() * 5);
      for (let s = 0; s < n; s++) {
        const len = 8 + Math.floor(rand() * 18);
        sentences.push(sentence(len));
        written += len;
      }
      lines.push(sentences.join(' '), '');
    }
  }
  return lines.join('\n');
}

/**
 * Writes `papers` Markdown files under `dir` (in subfolders of 500, as a Zotero storage tree
 * spreads them), unless the folder already holds this exact library (a marker file names it).
 */
export function writeSyntheticLibrary(dir: string, opts: SyntheticLibraryOptions): string[] {
  const seed = opts.seed ?? 1;
  const marker = path.join(dir, '.synthetic-library.json');
  const wanted = JSON.stringify({ papers: opts.papers, seed, words: opts.wordsPerPaper ?? 4000, vocabulary: opts.vocabulary ?? 60000, v: 2 });
  const files: string[] = [];
  for (let i = 0; i < opts.papers; i++) files.push(path.join(dir, `shelf${Math.floor(i / 500)}`, `paper${String(i).padStart(5, '0')}.md`));
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === wanted) return files;
  fs.rmSync(dir, { recursive: true, force: true });
  const vocab = makeVocabulary(seeded(seed), opts.vocabulary ?? 60000);
  files.forEach((f, i) => {
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, syntheticPaper(i, { seed, wordsPerPaper: opts.wordsPerPaper, vocab }));
  });
  fs.writeFileSync(marker, wanted);
  return files;
}

/** Deterministic questions for the synthetic library: a few common and rare words each. */
export function syntheticQuestions(n: number, seed = 7): string[] {
  const rand = seeded(seed);
  const vocab = makeVocabulary(seeded(1), 60000);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const ws = [COMMON[Math.floor(rand() * COMMON.length)], COMMON[Math.floor(rand() * COMMON.length)], vocab[Math.floor(Math.pow(rand(), 2) * vocab.length)], vocab[Math.floor(rand() * 3000)]];
    out.push(`How does ${ws.join(' ')} work?`);
  }
  return out;
}
