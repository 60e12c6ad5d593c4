type Encoder = { countTokens(text: string): number };
let encoder: Encoder | undefined;

/** Exact token count (o200k encoding); the tokenizer loads on first use. */
export function countTokens(text: string): number {
  if (!encoder) {
    // Loaded lazily: it is large, and most commands never count tokens.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    encoder = require('gpt-tokenizer') as Encoder;
  }
  return encoder.countTokens(text);
}

/** A cheap estimate for hot paths: about four characters a token in English prose. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
