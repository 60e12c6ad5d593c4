// The index path as of c5272eb, kept verbatim as the baseline of bench/libraryIndex.bench.ts (do not optimise).
import { analyze } from './textAnalysis';

/** BM25 saturates long before this: a term 255 times in one chunk scores as one 1,000 times would. */
const MAX_TF = 255;

/**
 * A growable posting list: parallel typed arrays of document numbers and term frequencies, so a
 * 100,000-chunk index costs five bytes a posting (plus growth room) rather than a boxed number.
 */
class Postings {
  docs = new Int32Array(4);
  tfs = new Uint8Array(4);
  length = 0;

  push(doc: number, tf: number): void {
    if (this.length === this.docs.length) {
      // Growing by half rather than doubling: less idle room in the long lists of a large library.
      const size = this.length + (this.length >> 1);
      const docs = new Int32Array(size);
      docs.set(this.docs);
      this.docs = docs;
      const tfs = new Uint8Array(size);
      tfs.set(this.tfs);
      this.tfs = tfs;
    }
    this.docs[this.length] = doc;
    this.tfs[this.length] = Math.min(tf, MAX_TF);
    this.length++;
  }
}

/**
 * A term as a string of its own. Terms come from `split` and `slice`, and V8 makes a longer piece
 * (13 characters or more) a view into the text it was cut from: kept as a map key, such a view
 * would keep the whole lower-cased passage alive. Terms are ASCII, so a Latin-1 round trip copies.
 */
function ownCopy(term: string): string {
  return term.length < 13 ? term : Buffer.from(term, 'latin1').toString('latin1');
}

/** A one-posting list read from its packed number. */
function singleton(packed: number): Pick<Postings, 'docs' | 'tfs' | 'length'> {
  return { docs: Int32Array.of(Math.floor(packed / 65536)), tfs: Uint8Array.of(packed % 65536), length: 1 };
}

/**
 * An inverted index with BM25 ranking (k1 = 1.2, b = 0.75). Documents are numbered densely;
 * removed documents are skipped at query time. Scores accumulate in a typed array, so a query
 * over 100,000 chunks touches only the postings of its terms.
 */
export class LexicalIndex {
  // Most terms of a large library occur once (names, numbers, typos): such a term is stored as one
  // number (doc * 65536 + tf) and becomes a Postings list when it is seen a second time.
  private readonly postings = new Map<string, Postings | number>();
  private lengths = new Uint32Array(1024);
  private count = 0;
  private readonly removed = new Set<number>();
  private totalLength = 0;
  private scratch = new Float64Array(0);

  get size(): number {
    return this.count;
  }

  /** Adds a document and returns its number. */
  add(text: string): number {
    const doc = this.count;
    const terms = analyze(text);
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [term, n] of tf) {
      const p = this.postings.get(term);
      if (p === undefined) {
        this.postings.set(ownCopy(term), doc * 65536 + Math.min(n, MAX_TF));
      } else if (typeof p === 'number') {
        const list = new Postings();
        list.push(Math.floor(p / 65536), p % 65536);
        list.push(doc, n);
        this.postings.set(term, list);
      } else {
        p.push(doc, n);
      }
    }
    const len = terms.length;
    if (this.count === this.lengths.length) {
      const grown = new Uint32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[this.count++] = len;
    this.totalLength += len;
    return doc;
  }

  remove(doc: number): void {
    this.removed.add(doc);
  }

  /** Top `k` documents for weighted query terms, best first. */
  search(terms: Map<string, number>, k: number, accept?: (doc: number) => boolean): { doc: number; score: number }[] {
    const n = this.count;
    if (!n) return [];
    if (this.scratch.length < n) this.scratch = new Float64Array(Math.max(n, this.scratch.length * 2));
    const scores = this.scratch;
    const touched: number[] = [];
    const avg = this.totalLength / n || 1;
    const k1 = 1.2;
    const b = 0.75;
    for (const [term, weight] of terms) {
      const found = this.postings.get(term);
      if (found === undefined) continue;
      const p = typeof found === 'number' ? singleton(found) : found;
      const df = p.length;
      // An expansion word found in a large share of the chunks adds little but costs a long scan.
      if (weight < 1 && df > n * 0.05 && n > 5000) continue;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (let i = 0; i < df; i++) {
        const d = p.docs[i];
        const tf = p.tfs[i];
        if (scores[d] === 0) touched.push(d);
        scores[d] += weight * idf * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * this.lengths[d]) / avg)));
      }
    }
    const results: { doc: number; score: number }[] = [];
    for (const d of touched) {
      const s = scores[d];
      scores[d] = 0;
      if (this.removed.has(d) || (accept && !accept(d))) continue;
      if (results.length < k) {
        results.push({ doc: d, score: s });
        if (results.length === k) results.sort((x, y) => y.score - x.score);
      } else if (s > results[k - 1].score) {
        results[k - 1] = { doc: d, score: s };
        for (let i = k - 1; i > 0 && results[i].score > results[i - 1].score; i--) [results[i], results[i - 1]] = [results[i - 1], results[i]];
      }
    }
    return results.sort((x, y) => y.score - x.score);
  }
}
