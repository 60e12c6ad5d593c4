type Encoder = { countTokens(text: string): number };
let encoder: Encoder | undefined;

/** Token count with the cl100k encoding (GPT-4's; close enough to budget other models); loads on first use. */
export function countTokens(text: string): number {
  if (!encoder) {
    // Loaded lazily: it is large, and most commands never count tokens.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    encoder = require('gpt-tokenizer/encoding/cl100k_base') as Encoder;
  }
  return encoder.countTokens(text);
}

/** A cheap estimate for hot paths: about four characters a token in English prose. */
export function estimateTokens(text: string): number {
  return estimateTokensOfLength(text.length);
}

/** The same estimate for a text of `chars` characters not yet joined together. */
export function estimateTokensOfLength(chars: number): number {
  return Math.ceil(chars / 4);
}
