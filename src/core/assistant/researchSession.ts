import type { DialogueTurn, FeedbackRecord, ModelProvenance, Rating, SourceQuote, TaskInstance } from '../dataset/instanceTypes';
import type { ChatMessage, ModelClient } from '../model/modelTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import type { ParsedSource, PassageUse } from '../sources/sourceTypes';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { AlignError } from '../errors';
import { buildMessages, type PromptExample } from '../prompts/promptBuilder';
import { selectPassages } from '../retrieval/selectPassages';
import { extractCitations } from '../retrieval/citations';
import { newId } from '../dataset/ids';
import { newInstanceRecord, newRatingRecord } from '../dataset/records';
import { redactUrl } from '../redact';
import { isPassagesOnlyAnswer, passagesOnlyAnswer } from './fallbackAnswer';
import { remedyText } from '../errors';

/** What a session works on: a task and its input. */
export interface SessionInput {
  task: TaskSpec;
  /** The paper or post (source-dialogue tasks). */
  source?: ParsedSource;
  /** The text (text and idea tasks): a selection, a document, an idea. */
  text?: string;
  fields?: Record<string, string>;
  /** Earlier dialogue this session continues (an idea's dialogue, for a critique). */
  priorDialogue?: DialogueTurn[];
  /** A passage of the source the researcher selected and asked about (the whole source stays the source). */
  quote?: SourceQuote;
}

/** One exchange: the researcher's message (absent on a task's first run) and the answer. */
export interface SessionTurn {
  id: string;
  question?: string;
  /** The answer as streamed so far, or complete. */
  answer: string;
  status: 'streaming' | 'done' | 'error' | 'cancelled';
  /** Set when `status` is error: a message for people. */
  error?: { message: string; code: string; retryable: boolean };
  passages: PassageUse[];
  wholeSource: boolean;
  /** Passage ids the answer cites, with whether each matches a passage. */
  citations: { id: string; valid: boolean }[];
  /** Absent when no model was configured and the answer is the best passages. */
  model?: ModelProvenance;
  /** True when the answer is passages only because no model is configured. */
  passagesOnly?: boolean;
  savedInstanceId?: string;
}

export interface SessionDeps {
  /** Undefined when no endpoint/key is configured: paper Q&A then answers with passages. */
  model?: ModelClient;
  /** Token budget for source passages in one prompt. */
  passageBudgetTokens: number;
  /** Worked examples for this task, chosen by the caller (few-shot setting, budget). */
  examples?: () => Promise<PromptExample[]>;
  logger?: Logger;
}

export interface AskOptions {
  signal?: AbortSignal;
  onDelta?: (text: string) => void;
}

/**
 * A conversation about one task input: asks the model turn by turn, keeps every answer (also a
 * partial one when the model fails), and turns any answer into a dataset instance.
 */
export class ResearchSession {
  readonly id = newId();
  readonly turns: SessionTurn[] = [];
  private readonly logger: Logger;

  constructor(
    readonly input: SessionInput,
    private deps: SessionDeps,
  ) {
    this.logger = deps.logger ?? silentLogger;
  }

  get task(): TaskSpec {
    return this.input.task;
  }

  /** Swaps the model (after Select Model or Set API Key) for the turns still to come. */
  setModel(model: ModelClient | undefined): void {
    this.deps = { ...this.deps, model };
  }

  /** The dialogue up to and including `turn`'s question (and its answer when `withAnswer`). */
  dialogueThrough(turn: SessionTurn, withAnswer: boolean): DialogueTurn[] {
    const dialogue: DialogueTurn[] = [...(this.input.priorDialogue ?? [])];
    for (const t of this.turns) {
      if (t.question !== undefined) dialogue.push({ role: 'researcher', content: t.question });
      if (t === turn && !withAnswer) break;
      if (t.status === 'done' || t === turn) dialogue.push({ role: 'assistant', content: t.answer });
      if (t === turn) break;
    }
    return dialogue;
  }

  /**
   * Runs one turn. `question` is the researcher's message; a text task's first run has none.
   * Never throws for model failures: the turn comes back with status `error` and the partial answer.
   */
  async ask(question: string | undefined, opts: AskOptions = {}): Promise<SessionTurn> {
    const q = question?.trim();
    if (this.input.task.inputKind === 'source-dialogue' && !q) {
      throw new AlignError('Type a question first.', 'empty-question');
    }
    const turn: SessionTurn = {
      id: newId(),
      question: q || undefined,
      answer: '',
      status: 'streaming',
      passages: [],
      wholeSource: false,
      citations: [],
    };
    this.turns.push(turn);
    await this.runTurn(turn, opts);
    return turn;
  }

  /** Runs a failed or cancelled turn again, in place. */
  async retry(turnId: string, opts: AskOptions = {}): Promise<SessionTurn> {
    const turn = this.turn(turnId);
    Object.assign(turn, { answer: '', status: 'streaming', error: undefined, citations: [] });
    await this.runTurn(turn, opts);
    return turn;
  }

  turn(turnId: string): SessionTurn {
    const t = this.turns.find((x) => x.id === turnId);
    if (!t) throw new AlignError(`No answer with id ${turnId} in this conversation.`, 'no-turn');
    return t;
  }

  private async runTurn(turn: SessionTurn, opts: AskOptions): Promise<void> {
    const { source } = this.input;
    const dialogue = this.dialogueThrough(turn, false);
    const model = this.deps.model;
    if (source) {
      const recent = dialogue.slice(-4).map((d) => d.content);
      // Without a model the answer is the best few passages, so ask for a ranking, never the whole paper.
      const embed = model?.embed;
      const picked = await selectPassages(source, turn.question ?? this.input.text ?? '', {
        budgetTokens: this.deps.passageBudgetTokens,
        k: model ? undefined : 3,
        rankOnly: !model,
        dialogue: recent,
        embed: embed ? (texts) => embed.call(model, texts, opts.signal) : undefined,
        signal: opts.signal,
        onEmbeddingError: (e) => this.logger.warn(`Embeddings failed; passages ranked by words alone: ${(e as Error).message}`),
      });
      turn.wholeSource = picked.whole;
      turn.passages = picked.passages.map((p) => ({
        id: p.id,
        text: p.text,
        location: p.location,
        score: picked.whole ? undefined : p.score,
        sourceTitle: source.ref.title,
        sourceHash: source.ref.contentHash,
      }));
    }
    if (!model) {
      if (!source) {
        turn.status = 'error';
        turn.error = {
          message: `No language model is configured. ${remedyText('configure-model') ?? 'Give an endpoint, a model name and, for hosted services, an API key.'}`,
          code: 'not-configured',
          retryable: true,
        };
        return;
      }
      turn.answer = passagesOnlyAnswer(turn.passages, turn.question ?? '');
      turn.passagesOnly = true;
      turn.status = 'done';
      opts.onDelta?.(turn.answer);
      turn.citations = this.citationsOf(turn);
      return;
    }
    const examples = this.deps.examples ? await this.deps.examples().catch((e: unknown) => {
      this.logger.warn(`Few-shot examples not used: ${String(e)}`);
      return [];
    }) : [];
    const messages: ChatMessage[] = buildMessages({
      task: this.input.task,
      source: source?.ref,
      passages: turn.passages,
      wholeSource: turn.wholeSource,
      dialogue,
      text: this.input.text,
      fields: this.input.fields,
      examples,
    });
    turn.model = {
      model: model.settings.model,
      endpoint: redactUrl(model.settings.baseURL),
      parameters: { temperature: model.settings.temperature, maxTokens: model.settings.maxTokens },
    };
    try {
      const result = await model.chat({
        messages,
        signal: opts.signal,
        onDelta: (text) => {
          turn.answer += text;
          opts.onDelta?.(text);
        },
      });
      turn.answer = result.text;
      turn.model.model = result.model || turn.model.model;
      turn.status = 'done';
    } catch (e) {
      const err = e as { code?: string; partial?: string; retryable?: boolean; message?: string; display?: string };
      if (typeof err.partial === 'string' && err.partial.length > turn.answer.length) turn.answer = err.partial;
      turn.status = err.code === 'cancelled' ? 'cancelled' : 'error';
      turn.error = {
        message: err.display ?? err.message ?? String(e),
        code: err.code ?? 'error',
        retryable: err.code === 'cancelled' ? true : err.retryable !== false,
      };
      this.logger.warn(`Turn ${turn.id} ended with ${turn.status}: ${turn.error.message}`);
    }
    turn.citations = this.citationsOf(turn);
  }

  private citationsOf(turn: SessionTurn): { id: string; valid: boolean }[] {
    const seen = new Map<string, boolean>();
    for (const c of extractCitations(turn.answer, turn.passages.map((p) => ({ id: p.id, text: p.text, location: p.location })))) {
      if (!seen.has(c.id)) seen.set(c.id, c.valid);
    }
    return [...seen].map(([id, valid]) => ({ id, valid }));
  }

  /**
   * The rating of an answer that was not saved, as a record for `feedback.jsonl`: its input as an
   * instance would have it, the model's answer and the rating. Any answer can be rated, the passage
   * list shown without a model included (it is never saved as an instance, but is worth a verdict).
   */
  ratingRecord(turnId: string, rating: Rating): FeedbackRecord {
    const turn = this.turn(turnId);
    const draft = this.toInstance(turnId, turn.answer, { draftForFeedback: true });
    return newRatingRecord({ taskId: draft.taskId, input: draft.input, output: turn.answer, rating, model: draft.model });
  }

  /**
   * The dataset instance for a turn: the researcher's version as output, the model's answer kept
   * as `originalOutput` when they differ; `parentId` is the saved instance it responds to (the
   * idea a critique is about).
   */
  toInstance(turnId: string, savedOutput: string, opts: { draftForFeedback?: boolean; parentId?: string } = {}): TaskInstance {
    const turn = this.turn(turnId);
    if (turn.status === 'streaming') throw new AlignError('Wait for the answer to finish (or stop it) before saving.', 'still-streaming');
    const output = savedOutput.trim();
    if (!output) throw new AlignError('The answer to save is empty. Write the answer you want to keep, then save.', 'empty-output');
    const edited = output !== turn.answer.trim();
    // The passage list shown without a model is not an answer: saved, it would later be put to a
    // model as a worked example of what to answer. The researcher's own answer written over it is one.
    if (turn.passagesOnly && !opts.draftForFeedback && (!edited || isPassagesOnlyAnswer(output))) {
      throw new AlignError(
        'This is the list of matching passages shown because no model is configured, not an answer, so it is not saved as an instance.',
        'passages-only',
        'Configure a model and ask again, or write your own answer over it, then save.',
      );
    }
    const { source, text, fields, task, quote } = this.input;
    return newInstanceRecord({
      taskId: task.id,
      input: {
        source: source?.ref,
        passages: turn.passages,
        dialogue: this.dialogueThrough(turn, false),
        ...(text !== undefined ? { text } : {}),
        ...(fields ? { fields } : {}),
        ...(quote ? { quote } : {}),
      },
      output,
      ...(edited && turn.answer.trim() && !turn.passagesOnly ? { originalOutput: turn.answer } : {}),
      ...(turn.model ? { model: turn.model } : {}),
      ...(opts.parentId ? { parentId: opts.parentId } : {}),
      constraints: task.constraints,
    });
  }
}
