import type { ParsedSource, Passage, SourceRef } from '../sources/sourceTypes';
import { LexicalIndex } from './lexicalIndex';
import { analyzeQuery } from './textAnalysis';
import { chunkSource } from './chunker';

/** A passage found by a search, with its source and score. */
export interface ScoredPassage extends Passage {
  score: number;
  source: SourceRef;
}

/** Produces embeddings for texts, or undefined when the endpoint has none. */
export type Embedder = (texts: string[]) => Promise<number[][] | undefined>;

/**
 * Passages of one or many sources, searchable by meaning-aware lexical ranking (BM25 with
 * stemming, query expansion and section-heading boosts), optionally fused with embeddings.
 */
export class PassageIndex {
  private readonly index = new LexicalIndex();
  private readonly passages: ScoredPassage[] = [];
  private readonly docsByHash = new Map<string, number[]>();
  private readonly embeddings = new Map<number, number[]>();

  static fromSources(sources: ParsedSource[]): PassageIndex {
    const idx = new PassageIndex();
    for (const s of sources) idx.add(s);
    return idx;
  }

  get size(): number {
    return this.passages.length;
  }

  add(source: ParsedSource, passages: Passage[] = chunkSource(source)): void {
    this.remove(source.ref.contentHash);
    const docs: number[] = [];
    const lite: SourceRef = { ...source.ref };
    for (const p of passages) {
      // Titles and section headings say what a passage is about in words a question may use.
      const doc = this.index.add(p.text, `${p.location.section ?? ''}`);
      this.passages[doc] = { ...p, score: 0, source: lite };
      docs.push(doc);
    }
    this.docsByHash.set(source.ref.contentHash, docs);
  }

  remove(contentHash: string): void {
    for (const d of this.docsByHash.get(contentHash) ?? []) {
      this.index.remove(d);
      this.embeddings.delete(d);
    }
    this.docsByHash.delete(contentHash);
  }

  search(query: string, k: number, opts: { filter?: (ref: SourceRef) => boolean } = {}): ScoredPassage[] {
    const terms = analyzeQuery(query);
    const filter = opts.filter;
    const hits = this.index.search(terms, k, filter ? (d) => filter(this.passages[d].source) : undefined);
    return hits.map((h) => ({ ...this.passages[h.doc], score: h.score }));
  }

  /**
   * Lexical and embedding ranks fused by reciprocal rank fusion, when the endpoint offers
   * embeddings; the lexical ranking alone otherwise.
   */
  async searchHybrid(query: string, k: number, embed: Embedder, opts: { filter?: (ref: SourceRef) => boolean; pool?: number } = {}): Promise<ScoredPassage[]> {
    const pool = opts.pool ?? Math.max(50, k * 5);
    const lexical = this.search(query, pool, opts);
    const docs = lexical.map((p) => this.docOf(p));
    const missing = docs.filter((d) => !this.embeddings.has(d));
    const vectors = await embed([query, ...missing.map((d) => this.passages[d].text)]);
    if (!vectors) return lexical.slice(0, k);
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
    const byEmbedding = [...docs].sort((x, y) => cos(this.embeddings.get(y)!) - cos(this.embeddings.get(x)!));
    const rrf = new Map<number, number>();
    docs.forEach((d, r) => rrf.set(d, 1 / (60 + r)));
    byEmbedding.forEach((d, r) => rrf.set(d, (rrf.get(d) ?? 0) + 1 / (60 + r)));
    return [...rrf]
      .sort((x, y) => y[1] - x[1])
      .slice(0, k)
      .map(([d, score]) => ({ ...this.passages[d], score }));
  }

  private docOf(p: ScoredPassage): number {
    const docs = this.docsByHash.get(p.source.contentHash) ?? [];
    return docs.find((d) => this.passages[d].id === p.id) ?? -1;
  }
}
