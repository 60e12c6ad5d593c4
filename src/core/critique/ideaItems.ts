import MarkdownIt from 'markdown-it';

// The same parser (and options) the panel renders answers with, so item n here is the n-th
// top-level list item the researcher sees and clicks "Critique this idea" on.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false, maxNesting: 20 });

/** Answers longer than this are not split into ideas (the panel shows them as plain text). */
const MAX_CHARS = 200_000;

/**
 * The items of an answer that is a list (ELK ideas, failure modes): every top-level list item, in
 * order, as the Markdown the model wrote, without its bullet or number. Empty for prose.
 */
export function ideaItems(answer: string): string[] {
  if (answer.length > MAX_CHARS) return [];
  const lines = answer.split('\n');
  const items: string[] = [];
  for (const token of md.parse(answer, {})) {
    if (token.type !== 'list_item_open' || token.level !== 1 || !token.map) continue;
    const [start, end] = token.map;
    const text = lines
      .slice(start, end)
      .join('\n')
      .replace(/^\s{0,3}(?:\d{1,9}[.)]|[-*+])[ \t]+/, '')
      .trim();
    if (text) items.push(text);
  }
  return items;
}
