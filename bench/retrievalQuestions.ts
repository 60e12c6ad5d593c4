/**
 * Questions a researcher might ask about the real papers in ../shared/papers, each with a phrase
 * from the passage that answers it. Written for this project; many share few words with their
 * answer on purpose ("Why … KL penalty?" against "This KL term serves two purposes").
 */
export interface RetrievalQuestion {
  paper: string;
  question: string;
  /** A phrase the answering passage contains (matched case-insensitively, white space folded). */
  answer: string;
}

export const RETRIEVAL_QUESTIONS: RetrievalQuestion[] = [
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'Why does the paper use a KL penalty?', answer: 'This KL term serves two purposes' },
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'What happens when you optimise too hard against the reward model?', answer: 'becomes anti-correlated with human preferences' },
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'Which news dataset did the summarisation models transfer to?', answer: 'transfer to CNN/DM news articles' },
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'How much comparison data was released?', answer: 'over 64k summary comparisons' },
  { paper: 'ziegler2019_finetuning_lm_human_prefs.pdf', question: 'How many human comparisons were needed for the stylistic continuation tasks?', answer: 'only 5,000 comparisons' },
  { paper: 'ziegler2019_finetuning_lm_human_prefs.pdf', question: 'Why might the summaries look good to labelers without being good?', answer: 'labelers rely on simple heuristics' },
  { paper: 'ziegler2019_finetuning_lm_human_prefs.pdf', question: 'What sampling temperature was used for the pretrained model?', answer: 'temperature of the pretrained model' },
  { paper: 'ouyang2022_instructgpt.pdf', question: 'Is a small fine-tuned model preferred over the much bigger original one?', answer: '100x fewer parameters' },
  { paper: 'ouyang2022_instructgpt.pdf', question: 'How were the people who labelled the data selected?', answer: 'team of 40 contractors' },
  { paper: 'ouyang2022_instructgpt.pdf', question: 'What is the cost of alignment on public NLP benchmarks called?', answer: 'alignment tax' },
  { paper: 'ouyang2022_instructgpt.pdf', question: 'How do they stop the policy from exploiting the learned reward?', answer: 'per-token KL penalty from the SFT model' },
  { paper: 'rafailov2023_dpo.pdf', question: 'How does DPO avoid training a separate reward model?', answer: 'optimal policy in closed form' },
  { paper: 'rafailov2023_dpo.pdf', question: 'Which model of human preferences does the method assume?', answer: 'Bradley-Terry model' },
  { paper: 'rafailov2023_dpo.pdf', question: 'Does the approach beat PPO at controlling the sentiment of generations?', answer: 'exceeds PPO-based RLHF in ability to control sentiment' },
  { paper: 'rafailov2023_dpo.pdf', question: 'What open questions remain about reward hacking in this setting?', answer: 'how does reward over-optimization manifest' },
  { paper: 'li2021_prefix_tuning_acl_2col.pdf', question: 'What fraction of the weights does the method train?', answer: 'modifying only 0.1% of the parameters' },
  { paper: 'li2021_prefix_tuning_acl_2col.pdf', question: 'How is this different from searching for discrete trigger words?', answer: 'optimizes continuous prefixes' },
];

/**
 * Held out: written on 2026-11-25 from passages read in the papers, before the ranking changes of
 * that day, and never used to tune them. The tuned set above can flatter the ranking; this one
 * shows how it does on questions it was not shaped for.
 */
export const HELD_OUT_QUESTIONS: RetrievalQuestion[] = [
  { paper: 'ziegler2019_finetuning_lm_human_prefs.pdf', question: 'What went wrong when a code change inverted the sign of the reward?', answer: 'flipped the sign of the reward' },
  { paper: 'ziegler2019_finetuning_lm_human_prefs.pdf', question: 'How did they keep the reward model accurate as the policy moved away from the initial one?', answer: 'collect human data throughout RL fine-tuning' },
  { paper: 'rafailov2023_dpo.pdf', question: 'How did the authors check that GPT-4 is a trustworthy judge?', answer: 'GPT-4 judgments correlate strongly with humans' },
  { paper: 'ouyang2022_instructgpt.pdf', question: 'For how many epochs was the supervised baseline trained?', answer: 'We trained for 16 epochs' },
  { paper: 'ouyang2022_instructgpt.pdf', question: 'Can the model follow instructions written in languages other than English?', answer: 'InstructGPT can follow instructions in other languages' },
  { paper: 'li2021_prefix_tuning_acl_2col.pdf', question: 'Can one frozen language model serve many users at once?', answer: 'a single LM can support many tasks at once' },
  { paper: 'li2021_prefix_tuning_acl_2col.pdf', question: 'What happens as the prefix gets longer?', answer: 'Performance increases as the prefix length increases up to a threshold' },
  { paper: 'li2021_prefix_tuning_acl_2col.pdf', question: 'Does it matter how the prefix is initialised?', answer: 'significantly underperforms initializing with real words' },
  { paper: 'post_inner_outer_alignment.md', question: 'Why would the actor not care about making diamonds?', answer: 'The actor does not care about diamond production' },
  { paper: 'post_inner_outer_alignment.md', question: 'What did the patient who could stimulate her own brain do?', answer: 'self-stimulator' },
  { paper: 'post_inner_outer_alignment.md', question: 'Is someone who sacrifices their life for others acting to maximise reward?', answer: 'soldier throwing himself on a grenade' },
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'Along which dimensions did labelers rate the summaries?', answer: 'four dimensions' },
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'What other applications could this technique be used for?', answer: 'could be applied to any task where humans can compare samples' },
  { paper: 'stiennon2020_learning_to_summarize.pdf', question: 'How was the quality of a summary judged?', answer: 'how faithfully the summary conveys the original post' },
];
