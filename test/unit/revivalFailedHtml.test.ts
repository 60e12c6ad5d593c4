import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revivalFailedHtml } from '../../src/host/conversation/panel/revivalFailedHtml';

test('the page of a panel that could not be restored allows nothing (CSP default-src none) and escapes the reason', () => {
  const html = revivalFailedHtml('<img src=x onerror=alert(1)> "task" & more');
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.equal(csp, "default-src 'none';");
  assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<body>'), 'the policy comes before any content');
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /This panel could not be restored: &#60;img src=x onerror=alert\(1\)&#62; &#34;task&#34; &#38; more/);
});
