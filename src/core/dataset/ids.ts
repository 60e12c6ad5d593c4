import { randomBytes } from 'node:crypto';

let last = 0;
let seq = 0;

/**
 * A unique id that sorts by creation time: base-36 milliseconds, a per-process sequence (so ids
 * made in the same millisecond keep their order) and random bits (so two processes never collide).
 */
export function newId(): string {
  const now = Date.now();
  seq = now === last ? seq + 1 : 0;
  last = now;
  return `${now.toString(36).padStart(9, '0')}${seq.toString(36).padStart(2, '0')}${randomBytes(5).toString('hex')}`;
}
