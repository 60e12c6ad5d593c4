// One process appending embeddings to a shared StoredVectors file, for the race test
// (test/unit/storedVectors.test.ts): `node --import tsx vectorWriter.ts <file> <tag> <batches> <perBatch>`.
// Each batch is a new StoredVectors (as a new window or CLI run is) that loads the file, keeps
// `perBatch` new vectors and flushes them; prints how many it saw on loading, per batch.
import { StoredVectors } from '../../src/core/retrieval/storedVectors';

const [file, tag, batches, perBatch] = process.argv.slice(2);
const SPACE = 'http://race/v1 model';

/** A vector that says which text it belongs to, so the reader can check every record. */
export function raceVector(text: string): number[] {
  return Array.from({ length: 64 }, (_, i) => (text.charCodeAt(i % text.length) * (i + 1)) % 251);
}

if (file) {
  void (async () => {
    for (let b = 0; b < Number(batches); b++) {
      const stored = new StoredVectors(file, SPACE, { trace() {}, debug() {}, info() {}, warn: (m: string) => process.stderr.write(`${m}\n`), error() {} });
      await stored.load();
      for (let i = 0; i < Number(perBatch); i++) {
        const text = `${tag} passage ${b}-${i}`;
        stored.set(text, raceVector(text));
      }
      await stored.flush();
      process.stdout.write(`${stored.size}\n`);
    }
  })();
}
