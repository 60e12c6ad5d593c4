import * as path from 'node:path';
import type { SourceKind, SourceRef } from './sourceTypes';
import { sha256Hex } from './hash';

/** What a caller knows about a source before parsing it; any SourceRef fields given are kept. */
export type SourceMeta = { path?: string; title?: string } & Partial<SourceRef>;

/** A reference from caller-supplied metadata: the file name stands in for the title until the parser finds one. */
export function baseRef(content: string | Uint8Array, kind: SourceKind, meta: SourceMeta): SourceRef {
  return {
    ...meta,
    title: meta.title ?? (meta.path ? path.basename(meta.path) : 'Untitled'),
    kind,
    contentHash: meta.contentHash ?? sha256Hex(content),
  };
}

/** Normalises a date to YYYY-MM-DD when it can be read ("2022-12-02", a YAML Date, "Dec 2, 2022"). */
export function normaliseDate(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString().slice(0, 10);
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value).trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(s);
  if (iso) return `${iso[1]}-${iso[2].padStart(2, '0')}-${iso[3].padStart(2, '0')}`;
  if (/^\d{4}$/.test(s)) return undefined;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  // A date without a time parses as local midnight: read it back in local time, not UTC.
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
