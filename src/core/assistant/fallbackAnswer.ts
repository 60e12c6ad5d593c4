import type { PassageUse } from '../sources/sourceTypes';
import { remedyText } from '../errors';

/**
 * The answer given when no model is configured: the passages that best match the question, each
 * with its citation marker, and how to configure a model. Paper Q&A stays useful without set-up.
 */
export function passagesOnlyAnswer(passages: PassageUse[], question: string, max = 3): string {
  const best = [...passages]
    .sort((a, b) => (b.score ?? 0) - (a.score ?? 0))
    .slice(0, max);
  const lines = [
    `${PASSAGES_ONLY_HEAD}, so here are the passages that best match “${question}”:`,
    '',
  ];
  for (const p of best) {
    const text = p.text.length > 700 ? `${p.text.slice(0, 700)}…` : p.text;
    // Quote line by line so tables and lists in the passage keep their shape.
    const quoted = text.split('\n').map((l) => `> ${l}`).join('\n');
    lines.push(`${quoted}\n>\n> [${p.id}]`, '');
  }
  if (!best.length) lines.push('_The document has no text that matches._', '');
  // How to configure a model is said in the words of the shell in use (settings, or flags and variables).
  lines.push(
    `To get written answers, configure a model (OpenAI, Azure, Ollama, vLLM, LM Studio or LiteLLM). ${remedyText('configure-model') ?? 'Give an endpoint, a model name and, for hosted services, an API key.'}`,
  );
  return lines.join('\n');
}

const PASSAGES_ONLY_HEAD = '**No language model is configured**';

/** True for the passage list above: it is not an answer, so it is never saved or shown as one. */
export function isPassagesOnlyAnswer(text: string): boolean {
  return text.trimStart().startsWith(PASSAGES_ONLY_HEAD);
}
