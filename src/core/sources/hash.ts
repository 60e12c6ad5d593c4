import { createHash } from 'node:crypto';

/** sha256 of bytes or of a string's UTF-8 encoding, as lowercase hex: the content hash of a source. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
