// The index path as of c5272eb, kept verbatim as the baseline of bench/libraryIndex.bench.ts (do not optimise).
/**
 * The analyser shared by indexing and queries: lower-case, accents folded, stopwords dropped,
 * a light suffix-stripping stemmer, and a small hand-written table of alignment/ML vocabulary
 * so that a question can find a passage that says the same thing in other words.
 */

const STOPWORDS = new Set(
  ('a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its itself just me more most ' +
    'my no nor not of on or our out over own same she should so some such than that the their them then there these they this those through ' +
    'to too under until up very was we were what when where which while who whom why will with would you your about above after again against ' +
    'all am any because before being below between both during each few further he her here hers him his off once only other ours ourselves ' +
    'shall s t don paper authors author use used using uses also may might must us per via et al').split(' '),
);

/** Porter-style suffix stripping, enough to join "penalties/penalty/penalised" and "rewards/rewarded/rewarding". */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  const rules: [string, string][] = [
    ['ational', 'ate'], ['ization', 'ize'], ['isation', 'ize'], ['iveness', 'ive'], ['fulness', 'ful'], ['ousness', 'ous'],
    ['tional', 'tion'], ['alities', 'al'], ['ality', 'al'], ['ically', 'ic'], ['ement', ''], ['ment', ''], ['ness', ''],
    ['ising', 'ize'], ['izing', 'ize'], ['ised', 'ize'], ['ized', 'ize'], ['ises', 'ize'], ['izes', 'ize'], ['ise', 'ize'],
    ['ingly', ''], ['edly', ''], ['ing', ''], ['ed', ''], ['ly', ''], ['er', ''], ['ion', ''], ['ive', ''], ['able', ''], ['ible', ''], ['al', ''], ['y', ''], ['e', ''],
  ];
  for (const [suffix, rep] of rules) {
    if (w.endsWith(suffix) && w.length - suffix.length + rep.length >= 3) {
      w = w.slice(0, -suffix.length) + rep;
      break;
    }
  }
  // "optimization" → "optimize" above; strip the final e so it meets "optimize" → "optimiz".
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  // Undouble a final double consonant ("controll" → "control", British "labell" → "label").
  if (/([bdfglmnprt])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

/**
 * Splits and normalises text into terms (before stemming). A hyphenated compound also gives its
 * joined form ("over-optimization" → over, optimization, overoptimization), since papers write
 * both; "%" is the word "percent", so a question about a fraction can meet "0.1%".
 */
export function words(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/%/g, ' percent ');
  const out: string[] = [];
  for (const token of folded.split(/[^a-z0-9-]+/)) {
    const parts = token.split('-').filter((w) => w.length > 1 || /\d/.test(w));
    out.push(...parts);
    if (parts.length > 1 && parts.every((w) => /^[a-z]+$/.test(w))) out.push(parts.join(''));
  }
  return out;
}

/** Index terms of a text. */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const w of words(text)) if (!STOPWORDS.has(w)) out.push(stem(w));
  return out;
}

// Groups of words that researchers use interchangeably. Each entry's words expand to the others.
const SYNONYMS: string[][] = [
  ['kl', 'kullback', 'leibler', 'divergence', 'penalty', 'regularization', 'regularizer', 'constraint'],
  ['rlhf', 'reinforcement', 'human', 'feedback', 'preference'],
  ['reward', 'rm', 'scalar', 'score'],
  ['policy', 'agent', 'model'],
  ['ppo', 'proximal', 'optimization'],
  ['dpo', 'direct', 'preference', 'optimization'],
  ['sft', 'supervised', 'fine', 'tuning', 'finetuning', 'baseline'],
  ['overoptimization', 'overoptimize', 'goodhart', 'exploit', 'hacking', 'gaming', 'overfit'],
  ['labeler', 'labeller', 'annotator', 'rater', 'contractor', 'human'],
  ['comparison', 'pairwise', 'preference', 'judgment', 'judgement', 'label'],
  ['summary', 'summarization', 'summarize', 'tldr'],
  ['alignment', 'aligned', 'misaligned', 'misalignment', 'intent'],
  ['dataset', 'data', 'corpus', 'examples'],
  ['evaluate', 'evaluation', 'benchmark', 'measure', 'metric'],
  ['prompt', 'prefix', 'instruction', 'input'],
  ['parameter', 'weights', 'parameters'],
  ['harmful', 'toxic', 'toxicity', 'unsafe', 'harm'],
  ['truthful', 'truthfulness', 'honest', 'hallucination', 'fabricate'],
  ['temperature', 'sampling', 'decode', 'decoding'],
  ['latent', 'knowledge', 'elicit', 'eliciting', 'elk'],
  ['fraction', 'percent', 'percentage', 'proportion', 'share'],
  ['prevent', 'stop', 'avoid', 'mitigate', 'deter'],
  ['beat', 'outperform', 'exceed', 'surpass'],
];

// Why- and how-questions are answered by passages that explain: "because", "serves", "purpose".
const QUESTION_CUES: Record<string, string[]> = {
  why: ['because', 'reason', 'purpose', 'serve', 'motivate', 'order', 'prevent', 'ensure', 'help'],
  how: ['method', 'approach', 'procedure', 'train', 'compute'],
  many: ['number', 'total'],
  much: ['amount', 'number'],
};

const EXPANSIONS = new Map<string, Set<string>>();
for (const group of SYNONYMS) {
  const stems = group.map((w) => stem(w));
  for (const s of stems) {
    const set = EXPANSIONS.get(s) ?? new Set<string>();
    for (const o of stems) if (o !== s) set.add(o);
    EXPANSIONS.set(s, set);
  }
}

/** A query as weighted terms: its own terms at full weight, expansions and cue words at less. */
export function analyzeQuery(query: string): Map<string, number> {
  const weights = new Map<string, number>();
  const add = (t: string, w: number) => weights.set(t, Math.max(weights.get(t) ?? 0, w));
  const raw = words(query);
  for (const w of raw) {
    for (const cue of QUESTION_CUES[w] ?? []) add(stem(cue), 0.3);
  }
  for (const t of analyze(query)) {
    add(t, 1);
    for (const e of EXPANSIONS.get(t) ?? []) add(e, 0.35);
  }
  return weights;
}
