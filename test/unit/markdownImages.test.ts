// Untrusted Markdown shown by VS Code (comment threads, tooltips): images become links, so a
// model's `![x](http://…?draft=…)` is not fetched. Checked on the text and on a real Markdown
// renderer (markdown-it, the panel's): no <img> remains.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import MarkdownIt from 'markdown-it';
import { imagesAsLinks } from '../../src/core/markdownImages';

const md = new MarkdownIt({ html: false, linkify: true });
const render = (s: string) => md.render(imagesAsLinks(s));

test('inline, reference, collapsed and nested images become links', () => {
  const beacon = 'http://127.0.0.1:9/beacon?draft=secret';
  const cases = [
    `See ![x](${beacon}) here.`,
    `![ref image][r]\n\n[r]: ${beacon}`,
    `![r]\n\n[r]: ${beacon}`,
    `[![badge](${beacon})](https://example.com)`,
    `Two: ![a](${beacon}) and ![b](${beacon} "title")`,
    `Escaped slash before: \\\\![x](${beacon})`,
    `* list ![in](${beacon})\n> quote ![q](${beacon})`,
  ];
  for (const c of cases) {
    const html = render(c);
    assert.doesNotMatch(html, /<img/i, c);
  }
  assert.equal(imagesAsLinks(`![x](${beacon})`), `[image: x](${beacon})`);
  assert.match(render(`![x](${beacon})`), /<a href="http:\/\/127\.0\.0\.1:9\/beacon\?draft=secret">image: x<\/a>/);
});

test('an escaped \\![ stays literal text, and text without images is unchanged', () => {
  assert.equal(imagesAsLinks('not an image: \\![x](u)'), 'not an image: \\![x](u)');
  assert.equal(imagesAsLinks('Wow! [link](u) and **bold**'), 'Wow! [link](u) and **bold**');
});
