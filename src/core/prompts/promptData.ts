/**
 * The one escape for text from outside (papers, drafts, headings, titles, saved examples, the
 * researcher's input, model answers) placed inside a prompt's delimiters. Every tag name the
 * prompts use as a delimiter is listed here, so data can neither close the block it sits in nor
 * open a new one that the model would read as ours.
 */
const DELIMITER_TAG = /<(\s*\/?\s*)(document|input|passage|reference|candidate)(?=[\s>/]|$)/gi;

/**
 * `text`: a block's body — the `<` of a delimiter tag becomes `‹` (U+2039), so `</document>`
 * reads `‹/document>`; nothing else changes (critique quotes must still match the draft).
 * `attribute`: also curls double quotes and folds line breaks, for a value inside `name="…"`.
 */
export function escapePromptData(text: string, where: 'text' | 'attribute' = 'text'): string {
  const body = text.replace(DELIMITER_TAG, '‹$1$2');
  return where === 'attribute' ? body.replace(/"/g, '”').replace(/[\r\n]+/g, ' ') : body;
}
