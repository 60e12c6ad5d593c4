import type { ParsedSource, Passage, PassageLocation, SourceRef } from '../sources/sourceTypes';
import { LexicalIndex, type PostingsTable } from './lexicalIndex';
import { analyzeQuery } from './textAnalysis';
import { chunkSource } from './chunker';

/** A passage found by a search, with its source and score. */
export interface ScoredPassage extends Passage {
  score: number;
  source: SourceRef;
}

/** Produces embeddings for texts, or undefined when the endpoint has none. */
export type Embedder = (texts: string[]) => Promise<number[][] | undefined>;

/** Embeddings kept by passage text across processes (storedVectors.ts). */
export interface PassageVectors {
  get(text: string): ArrayLike<number> | undefined;
  set(text: string, vector: number[]): void;
}

/** A source's passage texts: decoded on demand from one buffer in memory, or from the index file. */
export interface PassageTexts {
  get(i: number): string;
  /** The UTF-8 bytes of passage i. */
  bytes(i: number): Uint8Array;
  /**
   * Every passage's bytes in order, and where each ends in them: what the index file is written
   * from, in one piece (texts left in an index file are one read, not one a passage).
   */
  whole(): Promise<{ bytes: Uint8Array; ends: Uint32Array }>;
}

/** Passage texts in one UTF-8 buffer with offsets, not a string each: about a byte a character. */
class BufferTexts implements PassageTexts {
  constructor(
    private readonly text: Buffer,
    /** offsets[i]..offsets[i + 1] is passage i's text. */
    private readonly offsets: Uint32Array,
  ) {}

  get(i: number): string {
    return this.text.toString('utf8', this.offsets[i], this.offsets[i + 1]);
  }

  bytes(i: number): Uint8Array {
    return this.text.subarray(this.offsets[i], this.offsets[i + 1]);
  }

  async whole(): Promise<{ bytes: Uint8Array; ends: Uint32Array }> {
    return { bytes: this.text.subarray(0, this.offsets[this.offsets.length - 1]), ends: this.offsets.subarray(1) };
  }

  static of(texts: string[]): BufferTexts {
    const parts = texts.map((t) => Buffer.from(t, 'utf8'));
    const offsets = new Uint32Array(texts.length + 1);
    parts.forEach((t, i) => (offsets[i + 1] = offsets[i] + t.length));
    return new BufferTexts(Buffer.concat(parts), offsets);
  }
}

/** A source as the index keeps it. Locations may be parsed only when a passage is shown. */
export interface StoredSource {
  ref: SourceRef;
  firstDoc: number;
  count: number;
  /** Passage ids, when they are not P1…Pn. */
  ids?: string[];
  locations: PassageLocation[] | (() => PassageLocation[]);
  /** The locations as the index file holds them (JSON), written back as they are. */
  locationJson?: Uint8Array;
  texts: PassageTexts;
}

export function locationsOf(s: StoredSource): PassageLocation[] {
  if (typeof s.locations === 'function') s.locations = s.locations();
  return s.locations;
}

/** The passage ids when they are the chunker's P1…Pn (undefined: nothing to store). */
function customIds(passages: Passage[]): string[] | undefined {
  return passages.every((p, i) => p.id === `P${i + 1}`) ? undefined : passages.map((p) => p.id);
}

/**
 * Passages of one or many sources, searchable by meaning-aware lexical ranking (BM25 with
 * stemming, joined compounds and query expansion), optionally fused with embeddings. Section
 * headings split passages but add no terms: counted in every passage of a long section, their
 * words outranked the passage that answers (measured in bench/retrieval.bench.ts).
 */
export class PassageIndex {
  private index = new LexicalIndex();
  /** Document number → slot in `sources`. */
  private sourceOf = new Int32Array(1024);
  private sources: (StoredSource | undefined)[] = [];
  private readonly slotByHash = new Map<string, number>();
  private readonly embeddings = new Map<number, ArrayLike<number>>();
  private count = 0;

  static fromSources(sources: ParsedSource[]): PassageIndex {
    const idx = new PassageIndex();
    for (const s of sources) idx.add(s);
    return idx;
  }

  /**
   * An index over what the index file holds: postings and sources, in document order (source i
   * holds the `count` documents after those of the sources before it).
   */
  static restore(table: PostingsTable, sources: StoredSource[]): PassageIndex {
    const idx = new PassageIndex();
    idx.index = LexicalIndex.fromTable(table);
    idx.sourceOf = new Int32Array(Math.max(1024, table.lengths.length));
    sources.forEach((s, slot) => {
      idx.sourceOf.fill(slot, s.firstDoc, s.firstDoc + s.count);
      idx.slotByHash.set(s.ref.contentHash, slot);
      idx.count += s.count;
    });
    idx.sources = sources;
    return idx;
  }

  get size(): number {
    return this.count;
  }

  /** True when a source with this content hash is indexed. */
  has(contentHash: string): boolean {
    return this.slotByHash.has(contentHash);
  }

  add(source: ParsedSource, passages: Passage[] = chunkSource(source)): void {
    this.remove(source.ref.contentHash);
    const slot = this.sources.length;
    let firstDoc = this.index.size;
    for (const p of passages) {
      const doc = this.index.add(p.text);
      if (doc >= this.sourceOf.length) {
        const grown = new Int32Array(Math.max(doc + 1, this.sourceOf.length * 2));
        grown.set(this.sourceOf);
        this.sourceOf = grown;
      }
      this.sourceOf[doc] = slot;
      this.count++;
    }
    if (!passages.length) firstDoc = this.index.size;
    this.sources.push({ ref: { ...source.ref }, firstDoc, count: passages.length, ids: customIds(passages), locations: passages.map((p) => p.location), texts: BufferTexts.of(passages.map((p) => p.text)) });
    this.slotByHash.set(source.ref.contentHash, slot);
  }

  remove(contentHash: string): void {
    const slot = this.slotByHash.get(contentHash);
    if (slot === undefined) return;
    const stored = this.sources[slot]!;
    for (let i = 0; i < stored.count; i++) {
      this.index.remove(stored.firstDoc + i);
      this.embeddings.delete(stored.firstDoc + i);
    }
    this.count -= stored.count;
    this.sources[slot] = undefined;
    this.slotByHash.delete(contentHash);
  }

  /**
   * What the index file stores: the live sources in document order and their postings,
   * renumbered densely (removed passages are dropped here, not at every load).
   */
  snapshot(): { table: PostingsTable; sources: StoredSource[] } {
    const newDoc = new Int32Array(this.index.size).fill(-1);
    const live: StoredSource[] = [];
    let next = 0;
    for (const s of this.sources) {
      if (!s) continue;
      for (let i = 0; i < s.count; i++) newDoc[s.firstDoc + i] = next + i;
      live.push({ ...s, firstDoc: next, locations: s.locationJson ? s.locations : locationsOf(s) });
      next += s.count;
    }
    return { table: this.index.table(newDoc, next), sources: live };
  }

  private sourceAt(doc: number): StoredSource {
    return this.sources[this.sourceOf[doc]]!;
  }

  private textOf(doc: number): string {
    const s = this.sourceAt(doc);
    return s.texts.get(doc - s.firstDoc);
  }

  private liveDocs(filter?: (ref: SourceRef) => boolean): number[] {
    const out: number[] = [];
    for (const s of this.sources) {
      if (!s || (filter && !filter(s.ref))) continue;
      for (let i = 0; i < s.count; i++) out.push(s.firstDoc + i);
    }
    return out;
  }

  private passage(doc: number, score: number): ScoredPassage {
    const s = this.sourceAt(doc);
    const i = doc - s.firstDoc;
    return { id: s.ids?.[i] ?? `P${i + 1}`, text: s.texts.get(i), location: locationsOf(s)[i], score, source: s.ref };
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
  async searchHybrid(
    query: string,
    k: number,
    embed: Embedder,
    opts: { filter?: (ref: SourceRef) => boolean; pool?: number; embedAllUpTo?: number; stored?: PassageVectors } = {},
  ): Promise<ScoredPassage[]> {
    const pool = opts.pool ?? Math.max(50, k * 5);
    const lexical = this.searchDocs(query, pool, opts.filter);
    const docs = this.size <= (opts.embedAllUpTo ?? 400) ? this.liveDocs(opts.filter) : lexical.map((h) => h.doc);
    // Vectors this process has, then those an earlier one kept (by passage text), then the
    // endpoint's. Each passage's text is read once (from the index file, for a loaded library).
    const missing: number[] = [];
    const texts: string[] = [];
    for (const d of docs) {
      if (this.embeddings.has(d)) continue;
      const text = this.textOf(d);
      const kept = opts.stored?.get(text);
      if (kept) this.embeddings.set(d, kept);
      else {
        missing.push(d);
        texts.push(text);
      }
    }
    const vectors = await embedInBatches(embed, [query, ...texts]);
    if (!vectors) return lexical.slice(0, k).map((h) => this.passage(h.doc, h.score));
    const q = vectors[0];
    missing.forEach((d, i) => {
      this.embeddings.set(d, vectors[i + 1]);
      opts.stored?.set(texts[i], vectors[i + 1]);
    });
    // A kept vector of another length (the model behind the name changed) ranks by words alone.
    const comparable = docs.filter((d) => this.embeddings.get(d)!.length === q.length);
    const cos = (v: ArrayLike<number>) => {
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
    const similarity = new Map(comparable.map((d) => [d, cos(this.embeddings.get(d)!)]));
    const byEmbedding = [...comparable].sort((x, y) => similarity.get(y)! - similarity.get(x)!);
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
