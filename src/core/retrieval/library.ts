import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InformationConstraints } from '../tasks/taskTypes';
import type { ParsedSource, SourceRef } from '../sources/sourceTypes';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { checkSource } from '../tasks/constraints';
import { describeError } from '../errors';
import { PassageIndex, type Embedder, type ScoredPassage } from './retriever';
import { SUPPORTED_EXTENSIONS } from '../sources/loadSource';

interface Entry {
  mtimeMs: number;
  size: number;
  ref?: SourceRef;
  problem?: string;
}

/** A file of the library that could not be read. */
export interface LibraryProblem {
  path: string;
  message: string;
}

/**
 * A folder of papers, indexed once and kept up to date: `refresh()` reads only new or changed
 * files (by size and modification time) and drops deleted ones. A paper that cannot be read is
 * a problem on the list; the others keep working.
 */
export class PaperLibrary {
  private readonly entries = new Map<string, Entry>();
  private readonly index = new PassageIndex();

  constructor(
    readonly folder: string,
    private readonly loadSource: (file: string) => Promise<ParsedSource>,
    private readonly logger: Logger = silentLogger,
  ) {}

  private files(dir = this.folder, out: string[] = []): string[] {
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return out;
    }
    for (const d of list) {
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) this.files(p, out);
      else if (SUPPORTED_EXTENSIONS.includes(path.extname(d.name).toLowerCase())) out.push(p);
    }
    return out;
  }

  /** Brings the index up to date with the folder; returns what changed. */
  async refresh(signal?: AbortSignal): Promise<{ added: number; updated: number; removed: number; problems: LibraryProblem[] }> {
    if (!fs.existsSync(this.folder)) throw new Error(`The library folder ${this.folder} does not exist. Set alignment.library.folder (CLI: align index <folder>).`);
    const seen = new Set<string>();
    let added = 0;
    let updated = 0;
    for (const file of this.files()) {
      if (signal?.aborted) break;
      seen.add(file);
      const st = fs.statSync(file);
      const old = this.entries.get(file);
      if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) continue;
      if (old?.ref) this.index.remove(old.ref.contentHash);
      try {
        const src = await this.loadSource(file);
        this.index.add(src);
        this.entries.set(file, { mtimeMs: st.mtimeMs, size: st.size, ref: src.ref });
      } catch (e) {
        this.entries.set(file, { mtimeMs: st.mtimeMs, size: st.size, problem: describeError(e) });
        this.logger.warn(`Library: ${describeError(e)}`);
      }
      if (old) updated++;
      else added++;
    }
    let removed = 0;
    for (const [file, e] of this.entries) {
      if (seen.has(file)) continue;
      if (e.ref) this.index.remove(e.ref.contentHash);
      this.entries.delete(file);
      removed++;
    }
    return { added, updated, removed, problems: this.problems() };
  }

  problems(): LibraryProblem[] {
    return [...this.entries].filter(([, e]) => e.problem).map(([p, e]) => ({ path: p, message: e.problem! }));
  }

  papers(): SourceRef[] {
    return [...this.entries.values()].flatMap((e) => (e.ref ? [e.ref] : []));
  }

  /**
   * The best passages across the library, leaving out papers the task's information constraints
   * exclude (dated after the cut-off, or listed); those are named in `skipped`. With `embed`, the
   * endpoint's embeddings of the best lexical matches are fused with their lexical ranks.
   */
  async search(
    query: string,
    k: number,
    constraints: InformationConstraints = {},
    opts: { embed?: Embedder; onEmbeddingError?: (e: unknown) => void } = {},
  ): Promise<{ passages: ScoredPassage[]; skipped: { title: string; reason: string }[] }> {
    const skipped: { title: string; reason: string }[] = [];
    const allowed = new Map<string, boolean>();
    for (const ref of this.papers()) {
      const c = checkSource(ref, constraints);
      allowed.set(ref.contentHash, c.allowed);
      if (!c.allowed) skipped.push({ title: ref.title, reason: c.reason });
    }
    const filter = (ref: SourceRef) => allowed.get(ref.contentHash) ?? true;
    let passages: ScoredPassage[] | undefined;
    if (opts.embed) {
      try {
        passages = await this.index.searchHybrid(query, k, opts.embed, { filter });
      } catch (e) {
        // Embeddings are a second opinion: without them the words still rank the passages.
        opts.onEmbeddingError?.(e);
      }
    }
    return { passages: passages ?? this.index.search(query, k, { filter }), skipped };
  }
}
