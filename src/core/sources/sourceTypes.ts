/** Kinds of document the assistant reads. */
export type SourceKind = 'pdf' | 'markdown' | 'latex' | 'html' | 'text';

/** Where a passage sits in its source: pages for PDFs, lines for text formats. */
export interface PassageLocation {
  /** 1-based first page (PDF). */
  page?: number;
  /** 1-based last page when a passage spans pages. */
  endPage?: number;
  /** 1-based first line (text formats). */
  startLine?: number;
  /** 1-based last line, inclusive. */
  endLine?: number;
  /** Heading path of the section, e.g. "2 Method > 2.1 Reward model". */
  section?: string;
  /** Section number when the heading has one ("2.1"), for `[§2.1, lines 40–52]`. */
  sectionNumber?: string;
}

/** A reference to a source as stored on a saved instance. */
export interface SourceRef {
  title: string;
  kind: SourceKind;
  /** Absolute or workspace-relative path, when the source is a file. */
  path?: string;
  /** URL, for arXiv or web sources. */
  url?: string;
  /** sha256 of the source bytes, hex. */
  contentHash: string;
  /** Publication date `YYYY-MM-DD` when known (front matter, arXiv metadata): used by knowledge cut-offs. */
  date?: string;
  authors?: string[];
  /** arXiv id (`2305.18290`), from arXiv or printed on the paper's first page / in its file name. */
  arxivId?: string;
  /** The arXiv version printed with the id (`v2` → 2). */
  arxivVersion?: number;
  /** DOI printed on the first page or in the file name. */
  doi?: string;
  /** One canonical name for the paper: `arXiv:2305.18290v2` or `doi:10.…`. */
  identifier?: string;
  /** Path relative to the workspace folder that holds it, so a saved instance survives a move of the workspace. */
  workspacePath?: string;
}

/** A unit of text with its location, as a source yields it (a paragraph, a page's column block). */
export interface SourceBlock {
  text: string;
  location: PassageLocation;
}

/** A parsed source: its reference, its blocks in reading order, and anything the reader should know. */
export interface ParsedSource {
  ref: SourceRef;
  blocks: SourceBlock[];
  /** Problems worth telling the researcher (scanned PDF, unmappable math glyphs on page 4...). */
  warnings: string[];
  /** Number of pages for PDFs. */
  pageCount?: number;
  /** The blocks are passages chosen from a larger collection (a library search), not a whole document. */
  selection?: boolean;
}

/** A retrievable chunk of a source: one or more blocks, with a stable id the model can cite. */
export interface Passage {
  /** Stable within the source, e.g. `P12`. */
  id: string;
  text: string;
  location: PassageLocation;
  /** Present when the passage came from a library search. */
  source?: SourceRef;
}

/** A passage as recorded on a saved instance: where it was and why it was chosen. */
export interface PassageUse {
  id: string;
  text: string;
  location: PassageLocation;
  score?: number;
  sourceTitle?: string;
  sourceHash?: string;
}
