import { InputFileError } from '../errors';

/**
 * Bytes of a text file as a string: UTF-8 (a BOM dropped), or UTF-16 when a byte-order mark says
 * so (Windows tools save "Unicode" text that way). UTF-16 without a mark, other encodings and
 * binary data are errors that say which it is and what to do.
 */
export function decodeTextFile(bytes: Uint8Array, file: string, ext = ''): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decode(bytes.subarray(2), 'utf-16le', file);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decode(bytes.subarray(2), 'utf-16be', file);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const utf16 = utf16WithoutMark(bytes);
  if (utf16) {
    throw new InputFileError(file, `is UTF-16 text (${utf16 === 'utf-16le' ? 'little' : 'big'}-endian) without a byte-order mark, so its encoding cannot be trusted.`, 'Re-save it as UTF-8 (in VS Code: "Save with Encoding" → UTF-8).');
  }
  if (looksBinary(bytes)) {
    throw new InputFileError(file, `is binary data, not ${ext || 'text'}.`, 'Check that this is the right file; a PDF should have the .pdf extension.');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
  } catch {
    throw new InputFileError(file, 'is not valid UTF-8 text (another encoding, such as Latin-1 or Windows-1252?).', 'Re-save it as UTF-8 (in VS Code: "Save with Encoding" → UTF-8).');
  }
}

function decode(bytes: Uint8Array, encoding: 'utf-16le' | 'utf-16be', file: string): string {
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new InputFileError(file, `starts with a ${encoding.toUpperCase()} byte-order mark but is not valid ${encoding.toUpperCase()} text.`, 'Re-save it as UTF-8.');
  }
}

/** ASCII text in UTF-16 has a NUL in every other byte: most even (LE) or odd (BE) bytes are 0. */
function utf16WithoutMark(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 8192) & ~1;
  if (n < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const pairs = n / 2;
  if (oddZero > pairs * 0.6 && evenZero < pairs * 0.05) return 'utf-16le';
  if (evenZero > pairs * 0.6 && oddZero < pairs * 0.05) return 'utf-16be';
  return undefined;
}

/** Binary content: NUL bytes, or many control characters, in the first 8 KB. */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) return true;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control > n * 0.1;
}
