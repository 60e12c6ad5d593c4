import { countTerms, hyphenParts, isAscii, termOf } from './textAnalysis';
import { MISSING, STOPWORD, WordTable } from './wordTable';

/** BM25 saturates long before this: a term 255 times in one chunk scores as one 1,000 times would. */
const MAX_TF = 255;

/**
 * The postings of an index in compressed-sparse-row form: term `t`'s postings are
 * `docs[offsets[t]..offsets[t + 1]]` with their term frequencies in `tfs`, documents ascending.
 * The same arrays are what the library index file stores (libraryIndexFile.ts).
 */
export interface PostingsTable {
  /** Term id → term. */
  terms: string[];
  offsets: Uint32Array;
  docs: Int32Array;
  tfs: Uint8Array;
  /** Document → number of terms in it. */
  lengths: Uint32Array;
}

function grow<T extends Int32Array | Uint32Array | Uint8Array>(a: T, min: number): T {
  if (a.length >= min) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/**
 * An inverted index with BM25 ranking (k1 = 1.2, b = 0.75). Documents are numbered densely;
 * removed documents are skipped at query time. Adding a document only appends (term id, doc, tf)
 * to three typed arrays, and a search first merges what was appended into the sorted postings:
 * indexing a library allocates no object per term or posting, which is what made it slow (70 µs
 * a passage, most of it the garbage collector) and big. Scores accumulate in a typed array, so a
 * query over 100,000 chunks touches only the postings of its terms.
 */
export class LexicalIndex {
  private readonly termIds = new Map<string, number>();
  private terms: string[] = [];
  // Merged postings (CSR), for the first `offsets.length - 1` terms.
  private offsets: Uint32Array = new Uint32Array(1);
  private docs: Int32Array = new Int32Array(0);
  private tfs: Uint8Array = new Uint8Array(0);
  // Appended since the last merge.
  private pendingTerm = new Int32Array(4096);
  private pendingDoc = new Int32Array(4096);
  private pendingTf = new Uint8Array(4096);
  private pending = 0;
  private lengths: Uint32Array = new Uint32Array(1024);
  private count = 0;
  private dead = new Uint8Array(1024);
  private deadCount = 0;
  private totalLength = 0;
  private scratch = new Float64Array(0);
  private readonly tfScratch = new Map<string, number>();
  // Indexing state: words seen, and the current document's term counts by term id.
  private readonly words = new WordTable();
  private tfById = new Int32Array(1024);
  private touched = new Int32Array(256);
  private touchedCount = 0;
  private percentId = -1;

  /** Documents ever added (removed ones included: numbers are not reused). */
  get size(): number {
    return this.count;
  }

  /** Documents added and not removed. */
  get liveSize(): number {
    return this.count - this.deadCount;
  }

  /** An index over postings read from disk; the arrays are used as they are, not copied. */
  static fromTable(t: PostingsTable): LexicalIndex {
    const idx = new LexicalIndex();
    idx.terms = t.terms;
    t.terms.forEach((term, i) => idx.termIds.set(term, i));
    idx.offsets = t.offsets;
    idx.docs = t.docs;
    idx.tfs = t.tfs;
    idx.lengths = t.lengths;
    idx.count = t.lengths.length;
    idx.dead = new Uint8Array(idx.count);
    let total = 0;
    for (let i = 0; i < t.lengths.length; i++) total += t.lengths[i];
    idx.totalLength = total;
    return idx;
  }

  /** The id of a term, given it one if new. */
  private termId(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.terms.length;
      // A slice of 13 characters or more is a view into the text it was cut from in V8: kept as a
      // key, it would keep the whole passage alive. Terms are ASCII, so a Latin-1 round trip copies.
      const own = term.length < 13 ? term : Buffer.from(term, 'latin1').toString('latin1');
      this.terms.push(own);
      this.termIds.set(own, id);
    }
    return id;
  }

  private countId(id: number): void {
    if (id >= this.tfById.length) this.tfById = grow(this.tfById, id + 1);
    if (this.tfById[id]++ === 0) {
      if (this.touchedCount === this.touched.length) this.touched = grow(this.touched, this.touchedCount + 1);
      this.touched[this.touchedCount++] = id;
    }
  }

  /** Counts the terms of text[start, end) (one token) and returns how many it has. */
  private countToken(text: string, start: number, end: number, hash: number, hyphen: boolean): number {
    if (hyphen) {
      let n = 0;
      for (const w of hyphenParts(text.slice(start, end).toLowerCase())) {
        const t = termOf(w);
        if (t) {
          this.countId(this.termId(t));
          n++;
        }
      }
      return n;
    }
    let id = this.words.lookup(text, start, end, hash);
    if (id === MISSING) {
      const raw = text.slice(start, end).toLowerCase();
      const word = raw.length < 13 ? raw : Buffer.from(raw, 'latin1').toString('latin1');
      const t = termOf(word);
      id = t ? this.termId(t) : STOPWORD;
      this.words.insert(word, hash, id);
    }
    if (id === STOPWORD) return 0;
    this.countId(id);
    return 1;
  }

  /**
   * Counts the terms of an ASCII text into `tfById`, in one pass over its characters: the same
   * terms as `analyze` (textAnalysis.ts), which non-ASCII text goes through instead.
   */
  private countAscii(text: string): number {
    let n = 0;
    let start = -1;
    let hash = WordTable.SEED;
    let hyphen = false;
    let digit = false;
    const len = text.length;
    for (let i = 0; i <= len; i++) {
      let c = i < len ? text.charCodeAt(i) : 32;
      if (c >= 65 && c <= 90) c += 32;
      const isDigit = c >= 48 && c <= 57;
      if ((c >= 97 && c <= 122) || isDigit || c === 45) {
        if (start < 0) {
          start = i;
          hash = WordTable.SEED;
          hyphen = false;
          digit = false;
        }
        hash = WordTable.step(hash, c);
        if (c === 45) hyphen = true;
        else if (isDigit && i === start) digit = true;
        continue;
      }
      if (start >= 0) {
        if (hyphen || i - start > 1 || digit) n += this.countToken(text, start, i, hash, hyphen);
        start = -1;
      }
      if (c === 37) {
        this.countId(this.percentId < 0 ? (this.percentId = this.termId(termOf('percent'))) : this.percentId);
        n++;
      }
    }
    return n;
  }

  /** Adds a document and returns its number. */
  add(text: string): number {
    const doc = this.count;
    let len: number;
    if (isAscii(text)) {
      len = this.countAscii(text);
    } else {
      const tf = this.tfScratch;
      tf.clear();
      len = countTerms(text, tf);
      for (const [term, n] of tf) {
        const id = this.termId(term);
        this.countId(id);
        this.tfById[id] += n - 1;
      }
      tf.clear();
    }
    const need = this.pending + this.touchedCount;
    if (need > this.pendingDoc.length) {
      this.pendingTerm = grow(this.pendingTerm, need);
      this.pendingDoc = grow(this.pendingDoc, need);
      this.pendingTf = grow(this.pendingTf, need);
    }
    for (let i = 0; i < this.touchedCount; i++) {
      const id = this.touched[i];
      const n = this.tfById[id];
      this.tfById[id] = 0;
      this.pendingTerm[this.pending] = id;
      this.pendingDoc[this.pending] = doc;
      this.pendingTf[this.pending] = n > MAX_TF ? MAX_TF : n;
      this.pending++;
    }
    this.touchedCount = 0;
    if (this.count === this.lengths.length) {
      this.lengths = grow(this.lengths, this.count + 1);
      this.dead = grow(this.dead, this.count + 1);
    }
    this.lengths[this.count++] = len;
    this.totalLength += len;
    return doc;
  }

  remove(doc: number): void {
    if (doc < 0 || doc >= this.count || this.dead[doc]) return;
    this.dead[doc] = 1;
    this.deadCount++;
    this.totalLength -= this.lengths[doc];
  }

  isRemoved(doc: number): boolean {
    return this.dead[doc] === 1;
  }

  /** Folds the appended postings into the sorted ones: a counting sort, linear in all postings. */
  private merge(): void {
    if (!this.pending && this.offsets.length === this.terms.length + 1) return;
    const termCount = this.terms.length;
    const oldTerms = this.offsets.length - 1;
    const offsets = new Uint32Array(termCount + 1);
    for (let t = 0; t < oldTerms; t++) offsets[t + 1] = this.offsets[t + 1] - this.offsets[t];
    for (let i = 0; i < this.pending; i++) offsets[this.pendingTerm[i] + 1]++;
    for (let t = 0; t < termCount; t++) offsets[t + 1] += offsets[t];
    const total = offsets[termCount];
    const docs = new Int32Array(total);
    const tfs = new Uint8Array(total);
    const at = offsets.slice(0, termCount);
    // Each term's merged postings move as one block (a copy in native code, not a loop here).
    for (let t = 0; t < oldTerms; t++) {
      const from = this.offsets[t];
      const to = this.offsets[t + 1];
      docs.set(this.docs.subarray(from, to), at[t]);
      tfs.set(this.tfs.subarray(from, to), at[t]);
      at[t] += to - from;
    }
    // Appended documents are newer than every merged one: postings stay in document order.
    for (let i = 0; i < this.pending; i++) {
      const j = at[this.pendingTerm[i]]++;
      docs[j] = this.pendingDoc[i];
      tfs[j] = this.pendingTf[i];
    }
    this.offsets = offsets;
    this.docs = docs;
    this.tfs = tfs;
    this.pending = 0;
    if (this.pendingDoc.length > 1 << 16) {
      // Give back the room a bulk indexing run grew.
      this.pendingTerm = new Int32Array(4096);
      this.pendingDoc = new Int32Array(4096);
      this.pendingTf = new Uint8Array(4096);
    }
  }

  /**
   * The live postings with documents renumbered by `newDoc` (-1 drops a document): what the
   * index file stores. Terms left with no posting are dropped.
   */
  table(newDoc: Int32Array, newCount: number): PostingsTable {
    this.merge();
    if (this.isIdentity(newDoc, newCount)) {
      // Nothing removed since the postings were built: they are the table as they are (the
      // arrays are replaced, never changed, by later merges; lengths past `count` are not seen).
      return { terms: this.terms.slice(), offsets: this.offsets, docs: this.docs, tfs: this.tfs, lengths: this.lengths.subarray(0, this.count) };
    }
    const lengths = new Uint32Array(newCount);
    for (let d = 0; d < this.count; d++) if (newDoc[d] >= 0) lengths[newDoc[d]] = this.lengths[d];
    const terms: string[] = [];
    const counts: number[] = [];
    let total = 0;
    for (let t = 0; t < this.terms.length; t++) {
      let n = 0;
      for (let i = this.offsets[t]; i < this.offsets[t + 1]; i++) if (newDoc[this.docs[i]] >= 0) n++;
      if (!n) continue;
      terms.push(this.terms[t]);
      counts.push(n);
      total += n;
    }
    const offsets = new Uint32Array(terms.length + 1);
    const docs = new Int32Array(total);
    const tfs = new Uint8Array(total);
    let j = 0;
    let k = 0;
    for (let t = 0; t < this.terms.length; t++) {
      const start = j;
      for (let i = this.offsets[t]; i < this.offsets[t + 1]; i++) {
        const d = newDoc[this.docs[i]];
        if (d < 0) continue;
        docs[j] = d;
        tfs[j] = this.tfs[i];
        j++;
      }
      if (j > start) offsets[++k] = j;
    }
    return { terms, offsets, docs, tfs, lengths };
  }

  /** Whether renumbering by `newDoc` changes nothing: every document kept in place, every term with postings. */
  private isIdentity(newDoc: Int32Array, newCount: number): boolean {
    if (newCount !== this.count || this.deadCount) return false;
    for (let d = 0; d < this.count; d++) if (newDoc[d] !== d) return false;
    for (let t = 0; t < this.terms.length; t++) if (this.offsets[t + 1] === this.offsets[t]) return false;
    return true;
  }

  /** Top `k` documents for weighted query terms, best first. */
  search(terms: Map<string, number>, k: number, accept?: (doc: number) => boolean): { doc: number; score: number }[] {
    this.merge();
    const n = this.count - this.deadCount;
    if (!n) return [];
    if (this.scratch.length < this.count) this.scratch = new Float64Array(Math.max(this.count, this.scratch.length * 2));
    const scores = this.scratch;
    const touched: number[] = [];
    const avg = this.totalLength / n || 1;
    const k1 = 1.2;
    const b = 0.75;
    for (const [term, weight] of terms) {
      const id = this.termIds.get(term);
      if (id === undefined) continue;
      const from = this.offsets[id];
      const to = this.offsets[id + 1];
      const df = to - from;
      // An expansion word found in a large share of the chunks adds little but costs a long scan.
      if (weight < 1 && df > n * 0.05 && n > 5000) continue;
      const idf = Math.log(1 + Math.max(0, n - df + 0.5) / (df + 0.5));
      for (let i = from; i < to; i++) {
        const d = this.docs[i];
        const tf = this.tfs[i];
        if (scores[d] === 0) touched.push(d);
        scores[d] += weight * idf * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * this.lengths[d]) / avg)));
      }
    }
    const results: { doc: number; score: number }[] = [];
    for (const d of touched) {
      const s = scores[d];
      scores[d] = 0;
      if (this.dead[d] || (accept && !accept(d))) continue;
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
