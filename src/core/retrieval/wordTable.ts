/**
 * Lower-case word → term id, looked up straight from the characters of the text: an open-addressing
 * hash table whose probe compares characters in place, so indexing a word seen before cuts no
 * string and allocates nothing (the Map it replaces needed a fresh string per word, and the
 * garbage collector then dominated indexing). Many words share a term ("reward", "rewards").
 */
export const MISSING = -2;
/** A stopword: known, but no term. */
export const STOPWORD = -1;

/** Words kept at most: past this a new word takes the slow path each time (made-up names, typos). */
const MAX_WORDS = 4_000_000;

export class WordTable {
  private words: (string | undefined)[] = new Array(1 << 16);
  private hashes = new Int32Array(1 << 16);
  private ids = new Int32Array(1 << 16);
  private size = 0;

  /** FNV-1a step for one lower-case character code. */
  static step(hash: number, code: number): number {
    return Math.imul(hash ^ code, 16777619);
  }

  static readonly SEED = 0x811c9dc5 | 0;

  /** The id of text[start, end) lower-cased, with `hash` its hash; MISSING when not in the table. */
  lookup(text: string, start: number, end: number, hash: number): number {
    const mask = this.hashes.length - 1;
    const len = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const w = this.words[slot];
      if (w === undefined) return MISSING;
      if (this.hashes[slot] !== hash || w.length !== len) continue;
      let same = true;
      for (let i = 0; i < len; i++) {
        let c = text.charCodeAt(start + i);
        if (c >= 65 && c <= 90) c += 32;
        if (c !== w.charCodeAt(i)) {
          same = false;
          break;
        }
      }
      if (same) return this.ids[slot];
    }
  }

  insert(word: string, hash: number, id: number): void {
    if (this.size >= MAX_WORDS) return;
    if ((this.size + 1) * 2 > this.hashes.length) this.rehash();
    const mask = this.hashes.length - 1;
    let slot = hash & mask;
    while (this.words[slot] !== undefined) slot = (slot + 1) & mask;
    this.words[slot] = word;
    this.hashes[slot] = hash;
    this.ids[slot] = id;
    this.size++;
  }

  private rehash(): void {
    const { words, hashes, ids } = this;
    this.words = new Array(words.length * 2);
    this.hashes = new Int32Array(hashes.length * 2);
    this.ids = new Int32Array(ids.length * 2);
    this.size = 0;
    for (let i = 0; i < words.length; i++) if (words[i] !== undefined) this.insert(words[i]!, hashes[i], ids[i]);
  }
}
