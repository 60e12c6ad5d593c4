import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InformationConstraints } from '../tasks/taskTypes';
import type { ParsedSource, SourceRef } from '../sources/sourceTypes';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { checkSource } from '../tasks/constraints';
import { AlignError, InputFileError, describeError } from '../errors';
import { readBibtexLibrary } from '../sources/bibtexLibrary';
import { StoredVectors, storedVectorsFile } from './storedVectors';
import { readLibraryIndex, writeLibraryIndex, type LibraryIndexData, type ManifestEntry } from './libraryIndexFile';
import { PassageIndex, type Embedder, type ScoredPassage } from './retriever';
import { SUPPORTED_EXTENSIONS } from '../sources/loadSource';

interface Entry {
  mtimeMs: number;
  size: number;
  ref?: SourceRef;
  problem?: string;
  /** The BibTeX entry's metadata it was indexed with (JSON): a changed entry re-indexes the paper. */
  meta?: string;
}

/** A file of the library that could not be read. */
export interface LibraryProblem {
  path: string;
  message: string;
}

/** What a refresh changed. */
export interface RefreshResult {
  added: number;
  updated: number;
  removed: number;
  problems: LibraryProblem[];
  /** True when the index was read from its file rather than rebuilt (first refresh of a process). */
  loaded?: boolean;
  /** True when the refresh was cancelled: what was done is kept, nothing unseen was dropped. */
  cancelled?: boolean;
}

/** Progress of a refresh: files looked at out of those found, and the one being read. */
export type RefreshProgress = (done: number, total: number, file?: string) => void;

/** How often a long first indexing run saves what it has done, so a crash loses little. */
const SAVE_EVERY_MS = 30_000;

/**
 * A folder of papers, indexed once and kept up to date: `refresh()` reads only new or changed
 * files (by size and modification time) and drops deleted ones. A paper that cannot be read is
 * a problem on the list; the others keep working. With `indexFile`, the index and the manifest
 * persist there (libraryIndexFile.ts): a new process loads them instead of reading every paper.
 */
export class PaperLibrary {
  private readonly entries = new Map<string, Entry>();
  private index = new PassageIndex();
  private opened = false;
  /** Bumped whenever a paper is added or removed, so cached filters are rebuilt. */
  private version = 0;

  constructor(
    readonly folder: string,
    private readonly loadSource: (file: string, signal?: AbortSignal) => Promise<ParsedSource>,
    private readonly logger: Logger = silentLogger,
    private readonly opts: {
      indexFile?: string;
      bibtex?: { storage?: string };
      /** Reads the index file (off this thread, in the editor: LibraryReader.readIndex); default readLibraryIndex here. */
      readIndex?: (file: string) => Promise<LibraryIndexData | undefined>;
    } = {},
  ) {}

  /** Problems of the BibTeX file itself (entries, attachments), from the last refresh. */
  private bibProblems: LibraryProblem[] = [];

  /**
   * The papers to index: the folder's readable files, or, for a BibTeX library (`folder` is then
   * the .bib file), its entries' attachments with what each entry says about its paper.
   */
  private papersToRead(): { files: string[]; meta: Map<string, Partial<SourceRef>> } {
    const meta = new Map<string, Partial<SourceRef>>();
    if (!this.opts.bibtex) return { files: this.files(), meta };
    const lib = readBibtexLibrary(this.folder, { storage: this.opts.bibtex.storage });
    this.bibProblems = lib.problems;
    for (const p of lib.problems) this.logger.warn(`Library: ${p.message}`);
    for (const a of lib.attachments) meta.set(a.path, a.meta);
    return { files: lib.attachments.map((a) => a.path), meta };
  }

  private files(dir = this.folder, out: string[] = []): string[] {
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return out;
    }
    // In name order, whatever order the file system lists them in: progress and tests are repeatable.
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of list) {
      if (d.name.startsWith('.') || d.name === 'node_modules') continue;
      const p = path.join(dir, d.name);
      if (d.isDirectory()) this.files(p, out);
      else if (SUPPORTED_EXTENSIONS.includes(path.extname(d.name).toLowerCase())) out.push(p);
    }
    return out;
  }

  /** Reads the index file once per process; a file that cannot be used is logged and rebuilt. */
  private async open(): Promise<boolean> {
    if (this.opened) return false;
    this.opened = true;
    const file = this.opts.indexFile;
    if (!file) return false;
    let data: LibraryIndexData | undefined;
    try {
      data = this.opts.readIndex ? await this.opts.readIndex(file) : readLibraryIndex(file);
    } catch (e) {
      this.logger.warn(`Library: ${describeError(e)}`);
      return false;
    }
    if (!data) return false;
    if (path.resolve(data.folder) !== path.resolve(this.folder)) {
      this.logger.warn(`Library: ${file} indexes ${data.folder}, not ${this.folder}; it is rebuilt.`);
      return false;
    }
    this.index = PassageIndex.restore(data.table, data.sources);
    this.version++;
    const refs = new Map(data.sources.map((s) => [s.ref.contentHash, s.ref]));
    for (const m of data.manifest) {
      const ref = m.contentHash ? refs.get(m.contentHash) : undefined;
      if (m.contentHash && !ref) continue;
      this.entries.set(m.path, { mtimeMs: m.mtimeMs, size: m.size, ...(ref ? { ref } : {}), ...(m.problem ? { problem: m.problem } : {}), ...(m.meta ? { meta: m.meta } : {}) });
    }
    this.logger.info(`Library: loaded the index of ${refs.size} papers from ${file}`);
    return true;
  }

  /** Writes the index file (atomically); a failure costs the next process a rebuild, nothing more. */
  private async save(): Promise<void> {
    const file = this.opts.indexFile;
    if (!file) return;
    try {
      const manifest: ManifestEntry[] = [...this.entries].map(([p, e]) => ({ path: p, size: e.size, mtimeMs: e.mtimeMs, ...(e.ref ? { contentHash: e.ref.contentHash } : {}), ...(e.problem ? { problem: e.problem } : {}), ...(e.meta ? { meta: e.meta } : {}) }));
      await writeLibraryIndex(file, { folder: this.folder, manifest, ...this.index.snapshot() });
    } catch (e) {
      this.logger.warn(`Library: the index could not be saved to ${file} (${describeError(e)}); it is rebuilt next time.`);
    }
  }

  /**
   * Brings the index up to date with the folder; returns what changed. Searches may run while it
   * does (they see the papers indexed so far). A cancel keeps what was done.
   */
  async refresh(signal?: AbortSignal, onProgress?: RefreshProgress): Promise<RefreshResult> {
    if (!fs.existsSync(this.folder)) {
      if (this.opts.bibtex) throw new InputFileError(this.folder, 'does not exist.', 'Check the BibTeX path (alignment.library.bibtex, CLI --bibtex).');
      throw new Error(`The library folder ${this.folder} does not exist. Set alignment.library.folder (CLI: align index <folder>).`);
    }
    const loaded = await this.open();
    const seen = new Set<string>();
    let added = 0;
    let updated = 0;
    let lastSave = Date.now();
    const { files, meta } = this.papersToRead();
    // What each file needs, from its size and modification time: most of a library is unchanged.
    const plan = files.map((file) => {
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(file);
      } catch {
        // Gone since the folder was listed: dropped below like any removed paper.
      }
      const old = this.entries.get(file);
      const entryMeta = meta.get(file);
      const metaKey = entryMeta ? JSON.stringify(entryMeta) : undefined;
      const read = !!st && !(old && old.mtimeMs === st.mtimeMs && old.size === st.size && old.meta === metaKey);
      return { file, st, old, entryMeta, metaKey, read };
    });
    // The next paper to read is read (in the worker) while this one is indexed here: on two cores
    // a library's first indexing takes the longer of the two, not their sum.
    const toRead = plan.filter((p) => p.read);
    const reads = new Map<string, Promise<{ ok: true; src: ParsedSource } | { ok: false; error: unknown }>>();
    const startReading = (file: string | undefined) => {
      if (file === undefined || reads.has(file)) return;
      reads.set(
        file,
        this.loadSource(file, signal).then(
          (src) => ({ ok: true as const, src }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
      );
    };
    let nextRead = 0;
    let done = 0;
    let cancelled = false;
    for (const { file, st, old, entryMeta, metaKey, read } of plan) {
      if (signal?.aborted) {
        cancelled = true;
        break;
      }
      onProgress?.(done++, files.length, file);
      if (!st) continue;
      seen.add(file);
      if (!read) continue;
      startReading(toRead[nextRead]?.file);
      startReading(toRead[++nextRead]?.file);
      if (old?.ref) {
        this.index.remove(old.ref.contentHash);
        this.version++;
      }
      const result = await reads.get(file)!;
      reads.delete(file);
      if (result.ok) {
        // The reference manager knows the paper better than its first page: its title, authors,
        // date (for knowledge cut-offs), DOI and arXiv id win.
        const src = entryMeta ? { ...result.src, ref: { ...result.src.ref, ...entryMeta } } : result.src;
        this.index.add(src);
        this.version++;
        this.entries.set(file, { mtimeMs: st.mtimeMs, size: st.size, ref: src.ref, ...(metaKey ? { meta: metaKey } : {}) });
      } else {
        const e = result.error;
        if ((AlignError.is(e) && e.code === 'cancelled') || signal?.aborted) {
          this.entries.delete(file);
          cancelled = true;
          break;
        }
        this.entries.set(file, { mtimeMs: st.mtimeMs, size: st.size, problem: describeError(e), ...(metaKey ? { meta: metaKey } : {}) });
        this.logger.warn(`Library: ${describeError(e)}`);
      }
      if (old) updated++;
      else added++;
      if (Date.now() - lastSave > SAVE_EVERY_MS) {
        await this.save();
        lastSave = Date.now();
      }
    }
    onProgress?.(done, files.length);
    let removed = 0;
    // A cancelled run has not seen every file: it drops none.
    if (!cancelled) {
      for (const [file, e] of this.entries) {
        if (seen.has(file)) continue;
        if (e.ref) this.index.remove(e.ref.contentHash);
        this.entries.delete(file);
        this.version++;
        removed++;
      }
    }
    if (added || updated || removed || (!loaded && this.opts.indexFile && !fs.existsSync(this.opts.indexFile))) await this.save();
    return { added, updated, removed, problems: this.problems(), ...(loaded ? { loaded } : {}), ...(cancelled ? { cancelled } : {}) };
  }

  private readonly vectors = new Map<string, StoredVectors>();

  /** The endpoint's embeddings kept beside the index file, per embedding space (none without an index file). */
  private async storedVectors(space: string): Promise<StoredVectors | undefined> {
    const file = this.opts.indexFile;
    if (!file) return undefined;
    let stored = this.vectors.get(space);
    if (!stored) {
      stored = new StoredVectors(storedVectorsFile(file, space), space, this.logger);
      this.vectors.set(space, stored);
    }
    await stored.load();
    return stored;
  }

  problems(): LibraryProblem[] {
    return [...this.bibProblems, ...[...this.entries].filter(([, e]) => e.problem).map(([p, e]) => ({ path: p, message: e.problem! }))];
  }

  papers(): SourceRef[] {
    return [...this.entries.values()].flatMap((e) => (e.ref ? [e.ref] : []));
  }

  private filterCache?: { key: string; papers: number; skipped: { title: string; reason: string }[]; filter?: (ref: SourceRef) => boolean };

  /**
   * The papers a task's constraints leave out, and a filter for the rest; none without constraints.
   * Kept for the next question while the library and the constraints are the same.
   */
  private constraintFilter(constraints: InformationConstraints): { skipped: { title: string; reason: string }[]; filter?: (ref: SourceRef) => boolean } {
    if (!constraints.knowledgeCutoff && !constraints.excludedDocuments?.length) return { skipped: [] };
    const key = JSON.stringify([constraints.knowledgeCutoff, constraints.excludedDocuments]);
    if (this.filterCache?.key === key && this.filterCache.papers === this.version) return this.filterCache;
    const skipped: { title: string; reason: string }[] = [];
    const allowed = new Map<string, boolean>();
    for (const ref of this.papers()) {
      const c = checkSource(ref, constraints);
      allowed.set(ref.contentHash, c.allowed);
      if (!c.allowed) skipped.push({ title: ref.title, reason: c.reason });
    }
    this.filterCache = { key, papers: this.version, skipped, filter: (ref: SourceRef) => allowed.get(ref.contentHash) ?? true };
    return this.filterCache;
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
    opts: { embed?: Embedder; embeddingSpace?: string; onEmbeddingError?: (e: unknown) => void } = {},
  ): Promise<{ passages: ScoredPassage[]; skipped: { title: string; reason: string }[] }> {
    const { skipped, filter } = this.constraintFilter(constraints);
    let passages: ScoredPassage[] | undefined;
    if (opts.embed) {
      const stored = opts.embeddingSpace ? await this.storedVectors(opts.embeddingSpace) : undefined;
      try {
        passages = await this.index.searchHybrid(query, k, opts.embed, { filter, stored });
      } catch (e) {
        // Embeddings are a second opinion: without them the words still rank the passages.
        opts.onEmbeddingError?.(e);
      }
      await stored?.flush();
    }
    return { passages: passages ?? this.index.search(query, k, { filter }), skipped };
  }
}
