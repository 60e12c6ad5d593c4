/**
 * Section headings in a PDF's text. A PDF has no structure to read them from, so a heading is
 * recognised by its shape and its place: a short line that is a section number and a capitalised
 * title ("2.3. Online data collection", "B.1 Labeler selection", "7 Conclusion") whose number
 * follows the sections before it, or one of the unnumbered headings papers share ("Abstract",
 * "References"). Numbered list items, figure labels, table rows and author lists have the shape
 * but not the place, or they read as prose (commas, a sentence after a colon).
 */
export interface PdfHeading {
  title: string;
  /** "2.3", "B.1"; absent for unnumbered headings. */
  number?: string;
}

const NUMBERED = /^((?:[1-9]|1\d|20|[A-H])(?:\.(?:[1-9]|1\d|20)){0,3})\.?\s+([A-Z][A-Za-z][^]{0,80})$/;
const UNNUMBERED = /^(abstract|introduction|related work|background|conclusions?|discussion|limitations|acknowledge?ments?|references|bibliography|appendix(?: [a-h])?|appendices|broader impacts?)\.?$/i;
const BACK_MATTER = /^(acknowledge?ments?|references|bibliography|appendix|appendices)/i;

/** Where the reader is in the paper: the current top-level section, and whether the back matter began. */
export interface HeadingState {
  /** Top-level section: 1, 2… for numbers, 101, 102… for appendix letters A, B… */
  major: number;
  backMatter: boolean;
}

export const START: HeadingState = { major: 0, backMatter: false };

const majorOf = (part: string) => (/^[A-H]$/.test(part) ? 100 + part.charCodeAt(0) - 64 : Number(part));

/** The heading this line is, given where the paper is, and where the paper is after it. */
export function pdfHeading(line: string, state: HeadingState = START): { heading: PdfHeading; state: HeadingState } | undefined {
  const text = line.trim().replace(/\s+/g, ' ');
  if (!text || text.length > 90) return undefined;
  if (UNNUMBERED.test(text)) {
    return { heading: { title: text.replace(/\.$/, '') }, state: { ...state, backMatter: state.backMatter || BACK_MATTER.test(text) } };
  }
  const m = NUMBERED.exec(text);
  if (!m) return undefined;
  const [, number, title] = m;
  if (title.split(' ').length > 10) return undefined;
  if (/\s\d+$/.test(title)) return undefined; // a table of contents line ends with its page number
  if (/[.!?:;,=]$/.test(title) || /,|\d\.|\d{3,}|[=<>±×∑∫()[\]]/.test(title)) return undefined;
  if (/:\s*\S+\s+\S+\s+\S+/.test(title)) return undefined; // "1 Software complexity: Our online system …" is a list item
  if (/^(Table|Figure|Fig|Algorithm|Equation|Eq)\b/.test(title)) return undefined;

  const parts = number.split('.');
  const major = majorOf(parts[0]);
  const dotted = parts.length > 1;
  if (major > 100) {
    // Appendix letters come after the references, in order.
    if (!state.backMatter && state.major <= 100) return undefined;
    if (major < state.major || major > Math.max(state.major, 100) + 3) return undefined;
  } else {
    if (state.backMatter || state.major > 100) return undefined;
    if (dotted ? major !== state.major && major !== state.major + 1 : major <= state.major || major > state.major + 3) return undefined;
  }
  return { heading: { title: `${number} ${title}`, number }, state: { ...state, major } };
}
