/**
 * What OpenAIModelClient (the `openai` SDK plus our stall timer, retries and bookkeeping) costs
 * over the least a client can do: a raw `fetch` reading the SSE stream and parsing each chunk.
 * The bare `openai` SDK is measured too, to split that cost between the SDK and our wrapper.
 * All stream the same 2,000-token answer (8,000 characters in 4-character chunks) from the fake
 * OpenAI server on 127.0.0.1; time to first token and total time, median and p95 of 20 interleaved
 * runs each, after warm-up.
 *
 *   node --import tsx bench/model.bench.ts
 */
import OpenAI from 'openai';
import { startFakeOpenAI } from '../test/support/fakeOpenAIServer';
import { OpenAIModelClient } from '../src/core/model/openaiModelClient';
import { silentLogger } from '../src/core/ports';

const RUNS = 20;
const WARMUP = 3;
const TOKENS = 2000;
const CHARS_PER_TOKEN = 4;

interface Timing {
  ttft: number;
  total: number;
  chars: number;
}

function stats(xs: number[]): { median: number; p95: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] };
}

/** The baseline: fetch, split the body into SSE events, JSON.parse each, append the content. */
async function rawFetch(url: string, body: string): Promise<Timing> {
  const t0 = performance.now();
  let ttft = 0;
  let text = '';
  const res = await fetch(`${url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let end: number;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const event = buf.slice(0, end);
      buf = buf.slice(end + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data === '[DONE]') continue;
      const delta = (JSON.parse(data) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content;
      if (delta) {
        if (!text) ttft = performance.now() - t0;
        text += delta;
      }
    }
  }
  return { ttft, total: performance.now() - t0, chars: text.length };
}

async function viaClient(client: OpenAIModelClient): Promise<Timing> {
  const t0 = performance.now();
  let ttft = 0;
  let first = true;
  const r = await client.chat({
    messages: [{ role: 'user', content: 'Explain reward hacking at length.' }],
    onDelta: () => {
      if (first) ttft = performance.now() - t0;
      first = false;
    },
  });
  return { ttft, total: performance.now() - t0, chars: r.text.length };
}

async function bareSdk(sdk: OpenAI): Promise<Timing> {
  const t0 = performance.now();
  let ttft = 0;
  let text = '';
  const stream = await sdk.chat.completions.create({ model: 'fake-model', messages: [{ role: 'user', content: 'Explain reward hacking at length.' }], stream: true });
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta?.content;
    if (delta) {
      if (!text) ttft = performance.now() - t0;
      text += delta;
    }
  }
  return { ttft, total: performance.now() - t0, chars: text.length };
}

async function main(): Promise<void> {
  const answer = Array.from({ length: TOKENS }, (_, i) => `w${String(i % 100).padStart(2, '0')} `).join('');
  const server = await startFakeOpenAI({ responder: () => ({ text: answer, chunkSize: CHARS_PER_TOKEN }) });
  try {
    const client = new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', apiKey: 'bench', timeoutMs: 30_000, maxRetries: 0 }, silentLogger);
    const body = JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'Explain reward hacking at length.' }], stream: true });
    const sdk = new OpenAI({ baseURL: server.url, apiKey: 'bench', maxRetries: 0 });
    const runners: [string, () => Promise<Timing>][] = [
      ['raw fetch SSE', () => rawFetch(server.url, body)],
      ['bare openai SDK', () => bareSdk(sdk)],
      ['OpenAIModelClient', () => viaClient(client)],
    ];
    for (let i = 0; i < WARMUP; i++) for (const [, run] of runners) await run();
    const results = runners.map((): Timing[] => []);
    for (let i = 0; i < RUNS; i++) {
      // Rotate the order so none always runs right after the same neighbour.
      for (let j = 0; j < runners.length; j++) {
        const k = (i + j) % runners.length;
        results[k].push(await runners[k][1]());
      }
    }
    for (const t of results.flat()) if (t.chars !== answer.length) throw new Error(`got ${t.chars} characters, expected ${answer.length}`);

    const fmt = (n: number) => `${n.toFixed(2)} ms`.padStart(10);
    console.log(`Streamed answer: ${TOKENS} chunks (${answer.length} characters), median / p95 of ${RUNS} runs each`);
    console.log('metric'.padEnd(20), ...runners.map(([name]) => name.padStart(23)), 'client/raw'.padStart(11), 'client/SDK'.padStart(11));
    for (const key of ['ttft', 'total'] as const) {
      const s = results.map((r) => stats(r.map((t) => t[key])));
      console.log(
        (key === 'ttft' ? 'time to first token' : 'total').padEnd(20),
        ...s.map((x) => `${fmt(x.median)} /${fmt(x.p95)}`),
        `${(s[2].median / s[0].median).toFixed(2)}×`.padStart(11),
        `${(s[2].median / s[1].median).toFixed(2)}×`.padStart(11),
      );
    }
    const totals = results.map((r) => stats(r.map((t) => t.total)).median);
    console.log(`per chunk: SDK over raw fetch ${(((totals[1] - totals[0]) / TOKENS) * 1000).toFixed(1)} µs, client over bare SDK ${(((totals[2] - totals[1]) / TOKENS) * 1000).toFixed(1)} µs`);
  } finally {
    await server.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
