/**
 * Untrusted Markdown (model answers, paper text, saved instances) made safe to hand to a
 * Markdown renderer that would load images: every image (`![alt](url)`, `![alt][ref]`, `![alt]`)
 * becomes a link reading `[image: alt]`, so nothing is fetched until the researcher clicks —
 * a remote image is a beacon that can carry the draft's text in its URL. An `!` already escaped
 * (`\![`) is left alone. Code spans show the change too; that is the price of not parsing.
 */
export function imagesAsLinks(text: string): string {
  // An odd run of backslashes before `!` escapes it; an even run (or none) does not.
  return text.replace(/(\\*)!\[/g, (m, slashes: string) => (slashes.length % 2 ? m : `${slashes}[image: `));
}
