/**
 * Finds a passage's words among the text runs of a page's text layer. The passage comes from the
 * extractor (paragraphs joined, hyphens at line ends removed, ligatures expanded) and the runs from
 * pdf.js as drawn, so both are compared as letters and digits only, lower-cased and NFKC-normalised.
 * Math glyphs without a Unicode map differ between the two: when the whole passage is not found
 * verbatim, its start and end are located by shorter anchors.
 */

/** Letters and digits only, each mapped back to the run and offset it came from. */
interface Folded {
  chars: string;
  run: number[];
}

function fold(s: string): string {
  return s.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function foldRuns(runs: readonly string[]): Folded {
  let chars = '';
  const run: number[] = [];
  runs.forEach((r, i) => {
    const f = fold(r);
    chars += f;
    for (let k = 0; k < f.length; k++) run.push(i);
  });
  return { chars, run };
}

const ANCHOR = 24;

function wordsOf(s: string): string[] {
  return s.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * The indexes of the runs (first..last, inclusive) that hold the passage, or undefined when it is
 * not on this page. `passage` may continue on the next page: then its found beginning is used.
 */
export function matchPassage(runs: readonly string[], passage: string): { first: number; last: number } | undefined {
  const page = foldRuns(runs);
  const want = fold(passage);
  if (!want || !page.chars) return undefined;
  const whole = page.chars.indexOf(want);
  if (whole >= 0) return { first: page.run[whole], last: page.run[whole + want.length - 1] };
  // The start: the first anchor of the passage that is on the page.
  let start = -1;
  let startAt = 0;
  for (let off = 0; off + Math.min(ANCHOR, want.length) <= want.length && start < 0; off += ANCHOR) {
    start = page.chars.indexOf(want.slice(off, off + ANCHOR));
    startAt = off;
  }
  if (start < 0) return undefined;
  // Back from the anchor's run over runs whose words are the passage's (text before the anchor).
  const wanted = new Set(wordsOf(passage));
  const ours = (r: string) => {
    const w = wordsOf(r);
    return w.length > 0 && w.filter((x) => wanted.has(x)).length / w.length >= 0.6;
  };
  let firstRun = page.run[start];
  if (startAt > 0) while (firstRun > 0 && ours(runs[firstRun - 1])) firstRun--;
  // The end: the last anchor of the passage found after the start; else as far as the passage is long.
  let end = -1;
  for (let off = want.length; off - ANCHOR > startAt && end < 0; off -= ANCHOR) {
    const at = page.chars.indexOf(want.slice(off - ANCHOR, off), start);
    if (at >= 0) end = at + ANCHOR - 1 + (want.length - off);
  }
  if (end < 0) end = start + want.length - startAt - 1;
  end = Math.min(end, page.chars.length - 1);
  let lastRun = page.run[end];
  // An estimated end may overshoot into the next paragraph: stop at the last run that is ours.
  while (lastRun > firstRun && !ours(runs[lastRun])) lastRun--;
  return { first: firstRun, last: lastRun };
}
