// The critique bench's model in a process of its own: the local OpenAI-compatible server answering
// each section at once with one finding, quoting a sentence of the section when it has one (else a
// quote that is not in the draft, so the tool must fail to place it). A real model never runs in the
// extension's process; here the server's work stays off the critique's thread, as it would.
// Usage: node --import tsx bench/critiqueModelServer.ts <draft.md>  → prints {"url": …}, exits when stdin closes.
import * as fs from 'node:fs';
import { startFakeOpenAI, type Responder } from '../test/support/fakeOpenAIServer';

/** The answer the bench's model gives for a section of `draft`. */
export function critiqueResponder(draft: string): Responder {
  const sentences = draft.split('\n').filter((l) => /^[A-Z].{40,200}\.$/.test(l.trim()));
  return (req) => {
    const input = req.messages.at(-1)!.content;
    const quote = sentences.find((s) => input.includes(s)) ?? 'not in the section at all, so it stays unplaced';
    return { json: { findings: [{ quote, problem: 'Unclear.', why: 'Readers may misread it.', severity: 'minor', suggestion: 'Rephrase.' }] } };
  };
}

if (process.argv[1] && /critiqueModelServer/.test(process.argv[1])) {
  void (async () => {
    const server = await startFakeOpenAI({ responder: critiqueResponder(fs.readFileSync(process.argv[2], 'utf8')) });
    process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
  })();
}
