// The panel's pure host-side pieces: the HTML and its CSP, and the delta coalescer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { makeNonce, panelCsp, panelHtml } from '../../src/host/conversation/panel/panelHtml';
import { DeltaCoalescer, type CoalescerClock } from '../../src/host/conversation/panel/deltaCoalescer';

test('the panel HTML has a nonce CSP with no remote or inline sources, and escapes what it embeds', () => {
  const nonce = makeNonce((n) => randomBytes(n));
  assert.match(nonce, /^[0-9a-f]{32}$/);
  assert.notEqual(makeNonce((n) => randomBytes(n)), nonce, 'fresh per render');
  const html = panelHtml({
    cspSource: 'https://*.vscode-cdn.net',
    nonce,
    scriptUri: 'https://file.vscode-cdn.net/media/panel.js',
    styleUri: 'https://file.vscode-cdn.net/media/panel.css',
    title: '"><script>alert(1)</script>',
  });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? '';
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('script-src'), `'nonce-${nonce}'`);
  assert.equal(directives.get('img-src'), 'https://*.vscode-cdn.net data:');
  assert.equal(directives.get('style-src'), 'https://*.vscode-cdn.net');
  assert.equal(directives.get('font-src'), 'https://*.vscode-cdn.net');
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*(?!\.vscode-cdn)|http:/);
  assert.equal((html.match(/<script/g) ?? []).length, 1, 'one script, the bundle');
  assert.match(html, new RegExp(`<script nonce="${nonce}" src="https://file.vscode-cdn.net/media/panel.js"></script>`));
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline handlers');
  assert.throws(() => panelCsp("x; script-src 'unsafe-inline'", nonce));
  assert.throws(() => panelCsp('https://a', "abc' 'unsafe-inline"));
});

/** A clock the test moves by hand. */
function manualClock(): CoalescerClock & { advance(ms: number): void } {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout(id) {
      timers = timers.filter((t) => t.id !== id);
    },
    advance(ms) {
      const end = now + ms;
      for (;;) {
        const due = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        timers = timers.filter((t) => t !== due);
        now = due.at;
        due.fn();
      }
      now = end;
    },
  };
}

test('the coalescer sends the first piece at once, then at most one message per interval per turn, losing nothing', () => {
  const clock = manualClock();
  const sent: [string, string, number][] = [];
  const c = new DeltaCoalescer((id, text) => sent.push([id, text, clock.now()]), 40, clock);
  c.push('a', 'Hel');
  assert.deepEqual(sent, [['a', 'Hel', 0]], 'the first token is not delayed');
  c.push('a', 'lo');
  c.push('b', 'Other');
  c.push('a', ' world');
  assert.equal(sent.length, 2, "turn b's first piece goes at once too");
  clock.advance(39);
  assert.equal(sent.length, 2);
  clock.advance(1);
  assert.deepEqual(sent[2], ['a', 'lo world', 40]);
  c.push('a', '!');
  c.flush('a');
  assert.deepEqual(sent[3], ['a', '!', 40], 'flush sends what waits (before a message that must follow it)');
  c.push('b', 'x');
  assert.deepEqual(sent[4], ['b', 'x', 40], "b's interval has passed: sent at once");
  c.push('b', 'y');
  c.drop();
  clock.advance(1000);
  assert.equal(sent.length, 5, 'dropped text is not sent');
  assert.equal(c.hasPending, false);
});

test('a 5,000-token stream at 100 tokens a second becomes about 25 messages a second', () => {
  const clock = manualClock();
  const sent: string[] = [];
  const c = new DeltaCoalescer((_id, text) => sent.push(text), 40, clock);
  const tokens = Array.from({ length: 5000 }, (_, i) => `w${i} `);
  for (const t of tokens) {
    c.push('a', t);
    clock.advance(10);
  }
  clock.advance(100);
  assert.equal(sent.join(''), tokens.join(''), 'every token arrives, in order');
  // 50 s of streaming at one message per 40 ms at most.
  assert.ok(sent.length <= 50_000 / 40 + 1, `${sent.length} messages`);
  assert.ok(sent.length >= 1000, `${sent.length} messages: still smooth`);
  // A burst (a fast local model or a replay) costs one message per interval, not one per token.
  const burst: string[] = [];
  const b = new DeltaCoalescer((_id, text) => burst.push(text), 40, clock);
  for (const t of tokens) b.push('a', t);
  clock.advance(40);
  assert.equal(burst.length, 2);
  assert.equal(burst.join(''), tokens.join(''));
});
