// The index path as of c5272eb, kept verbatim as the baseline of bench/libraryIndex.bench.ts (do not optimise).
import type { ParsedSource, Passage, PassageLocation, SourceRef } from '../../src/core/sources/sourceTypes';
import { LexicalIndex } from './lexicalIndex';
import { analyzeQuery } from './textAnalysis';
import { chunkSource } from '../../src/core/retrieval/chunker';

/** A passage found by a search, with its source and score. */
export interface ScoredPassage extends Passage {
  score: number;
  source: SourceRef;
}

/** Produces embeddings for texts, or undefined when the endpoint has none. */
export type Embedder = (texts: string[]) => Promise<number[][] | undefined>;

/**
 * A source's passages as the index keeps them: all their text in one UTF-8 buffer with offsets,
 * not a string each. Paper text is often two-byte in V8 (one "’" is enough), and strings built by
 * the chunker hold on to their pieces; one buffer per source costs about a byte a character.
 */
interface StoredSource {
  ref: SourceRef;
  firstDoc: number;
  ids: string[];
  locations: PassageLocation[];
  text: Buffer;
  /** offsets[i]..offsets[i + 1] is passage i's text. */
  offsets: Uint32Array;
}

/**
 * Passages of one or many sources, searchable by meaning-aware lexical ranking (BM25 with
 * stemming, joined compounds and query expansion), optionally fused with embeddings. Section
 * headings split passages but add no terms: counted in every passage of a long section, their
 * words outranked the passage that answers (measured in bench/retrieval.bench.ts).
 */
export class PassageIndex {
  private readonly index = new LexicalIndex();
  /** Document number → slot in `sources`. */
  private sourceOf = new Int32Array(1024);
  private readonly sources: (StoredSource | undefined)[] = [];
  private readonly slotByHash = new Map<string, number>();
  private readonly embeddings = new Map<number, number[]>();
  private count = 0;

  static fromSources(sources: ParsedSource[]): PassageIndex {
    const idx = new PassageIndex();
    for (const s of sources) idx.add(s);
    return idx;
  }

  get size(): number {
    return this.count;
  }

  add(source: ParsedSource, passages: Passage[] = chunkSource(source)): void {
    this.remove(source.ref.contentHash);
    const slot = this.sources.length;
    const texts = passages.map((p) => Buffer.from(p.text, 'utf8'));
    const offsets = new Uint32Array(passages.length + 1);
    texts.forEach((t, i) => (offsets[i + 1] = offsets[i] + t.length));
    let firstDoc = -1;
    for (const p of passages) {
      const doc = this.index.add(p.text);
      if (firstDoc < 0) firstDoc = doc;
      if (doc >= this.sourceOf.length) {
        const grown = new Int32Array(Math.max(doc + 1, this.sourceOf.length * 2));
        grown.set(this.sourceOf);
        this.sourceOf = grown;
      }
      this.sourceOf[doc] = slot;
      this.count++;
    }
    this.sources.push({ ref: { ...source.ref }, firstDoc, ids: passages.map((p) => p.id), locations: passages.map((p) => p.location), text: Buffer.concat(texts), offsets });
    this.slotByHash.set(source.ref.contentHash, slot);
  }

  remove(contentHash: string): void {
    const slot = this.slotByHash.get(contentHash);
    if (slot === undefined) return;
    const stored = this.sources[slot]!;
    for (let i = 0; i < stored.ids.length; i++) {
      this.index.remove(stored.firstDoc + i);
      this.embeddings.delete(stored.firstDoc + i);
    }
    this.count -= stored.ids.length;
    this.sources[slot] = undefined;
    this.slotByHash.delete(contentHash);
  }

  private sourceAt(doc: number): StoredSource {
    return this.sources[this.sourceOf[doc]]!;
  }

  private textOf(doc: number): string {
    const s = this.sourceAt(doc);
    const i = doc - s.firstDoc;
    return s.text.toString('utf8', s.offsets[i], s.offsets[i + 1]);
  }

  private liveDocs(filter?: (ref: SourceRef) => boolean): number[] {
    const out: number[] = [];
    for (const s of this.sources) {
      if (!s || (filter && !filter(s.ref))) continue;
      for (let i = 0; i < s.ids.length; i++) out.push(s.firstDoc + i);
    }
    return out;
  }

  private passage(doc: number, score: number): ScoredPassage {
    const s = this.sourceAt(doc);
    const i = doc - s.firstDoc;
    return { id: s.ids[i], text: this.textOf(doc), location: s.locations[i], score, source: s.ref };
  }

  search(query: string, k: number, opts: { filter?: (ref: SourceRef) => boolean } = {}): ScoredPassage[] {
    return this.searchDocs(query, k, opts.filter).map((h) => this.passage(h.doc, h.score));
  }

  private searchDocs(query: string, k: number, filter?: (ref: SourceRef) => boolean): { doc: number; score: number }[] {
    return this.index.search(analyzeQuery(query), k, filter ? (d) => filter(this.sourceAt(d).ref) : undefined);
  }

  /**
   * Lexical and embedding ranks fused by reciprocal rank fusion, when the endpoint offers
   * embeddings; the lexical ranking alone otherwise. A small index (one paper) is embedded whole,
   * so a passage that shares no word with the question can still be found; a large one (a
   * library) embeds the best lexical matches only. Vectors are kept for the next question.
   */
  async searchHybrid(query: string, k: number, embed: Embedder, opts: { filter?: (ref: SourceRef) => boolean; pool?: number; embedAllUpTo?: number } = {}): Promise<ScoredPassage[]> {
    const pool = opts.pool ?? Math.max(50, k * 5);
    const lexical = this.searchDocs(query, pool, opts.filter);
    const docs = this.size <= (opts.embedAllUpTo ?? 400) ? this.liveDocs(opts.filter) : lexical.map((h) => h.doc);
    const missing = docs.filter((d) => !this.embeddings.has(d));
    const vectors = await embedInBatches(embed, [query, ...missing.map((d) => this.textOf(d))]);
    if (!vectors) return lexical.slice(0, k).map((h) => this.passage(h.doc, h.score));
    const q = vectors[0];
    missing.forEach((d, i) => this.embeddings.set(d, vectors[i + 1]));
    const cos = (v: number[]) => {
      let dot = 0;
      let a = 0;
      let b = 0;
      for (let i = 0; i < v.length; i++) {
        dot += v[i] * q[i];
        a += v[i] * v[i];
        b += q[i] * q[i];
      }
      return dot / (Math.sqrt(a * b) || 1);
    };
    const similarity = new Map(docs.map((d) => [d, cos(this.embeddings.get(d)!)]));
    const byEmbedding = [...docs].sort((x, y) => similarity.get(y)! - similarity.get(x)!);
    const rrf = new Map<number, number>();
    lexical.forEach((h, r) => rrf.set(h.doc, 1 / (60 + r)));
    byEmbedding.forEach((d, r) => rrf.set(d, (rrf.get(d) ?? 0) + 1 / (60 + r)));
    return [...rrf]
      .sort((x, y) => y[1] - x[1])
      .slice(0, k)
      .map(([d, score]) => this.passage(d, score));
  }
}

/** Endpoints cap the inputs of one request (OpenAI: 2,048): ask in batches, in order. */
async function embedInBatches(embed: Embedder, texts: string[], batch = 96): Promise<number[][] | undefined> {
  const out: number[][] = [];
  for (let i = 0; i < texts.length; i += batch) {
    const part = await embed(texts.slice(i, i + batch));
    if (!part) return undefined;
    out.push(...part);
  }
  return out;
}
