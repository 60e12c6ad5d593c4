/** The timers the coalescer uses; tests pass a manual clock. */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: CoalescerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Joins streamed text so each turn gets at most one send per `intervalMs`. The first piece after
 * a quiet spell goes out at once (the first token shows without delay); pieces arriving within the
 * interval wait and go out together. A model streaming 100 tokens a second thus costs the webview
 * about 25 messages a second instead of 100, and a burst of thousands costs one.
 * Pure (no `vscode`), so it is tested and measured in plain Node.
 */
export class DeltaCoalescer {
  private readonly pending = new Map<string, string>();
  private readonly lastSent = new Map<string, number>();
  private timer: unknown;
  private timerDue = Infinity;

  constructor(
    private readonly send: (turnId: string, text: string) => void,
    private readonly intervalMs = 40,
    private readonly clock: CoalescerClock = realClock,
  ) {}

  push(turnId: string, text: string): void {
    if (!text) return;
    const now = this.clock.now();
    const waiting = this.pending.get(turnId);
    if (waiting === undefined && now - (this.lastSent.get(turnId) ?? -Infinity) >= this.intervalMs) {
      this.lastSent.set(turnId, now);
      this.send(turnId, text);
      return;
    }
    this.pending.set(turnId, (waiting ?? '') + text);
    this.schedule((this.lastSent.get(turnId) ?? now) + this.intervalMs);
  }

  /** Sends what is waiting now (for one turn, or all): before any message that must follow it. */
  flush(turnId?: string): void {
    for (const id of turnId === undefined ? [...this.pending.keys()] : [turnId]) {
      const text = this.pending.get(id);
      if (text === undefined) continue;
      this.pending.delete(id);
      this.lastSent.set(id, this.clock.now());
      this.send(id, text);
    }
    if (this.pending.size === 0) this.cancelTimer();
  }

  /** Forgets what is waiting (a full state that already contains it replaces the turn). */
  drop(): void {
    this.pending.clear();
    this.cancelTimer();
  }

  /** True while text waits to be sent. */
  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  dispose(): void {
    this.drop();
  }

  private schedule(due: number): void {
    if (due >= this.timerDue) return;
    this.cancelTimer();
    this.timerDue = due;
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, due - this.clock.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    for (const id of [...this.pending.keys()]) {
      const due = (this.lastSent.get(id) ?? -Infinity) + this.intervalMs;
      if (due <= now) this.flush(id);
      else next = Math.min(next, due);
    }
    if (next !== Infinity) this.schedule(next);
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }
}
