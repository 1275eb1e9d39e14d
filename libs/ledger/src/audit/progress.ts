/** Progress of a long run (export, verify, replay) for a terminal: done/total, rate and the time left. */

export interface ProgressOptions {
  /** Where a line goes (the CLI passes stderr, so stdout stays the command's output). */
  write: (line: string) => void;
  nowMs?: () => number;
  /** Least time between two lines (default 1 s); the first and the final line are always written. */
  everyMs?: number;
}

const seconds = (ms: number): string => (ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`);

/** Estimated time left from the rate so far; null when nothing is done yet or the total is unknown. */
export function etaMs(done: number, total: number | null, elapsedMs: number): number | null {
  if (total === null || done <= 0) return null;
  return Math.max(0, (elapsedMs / done) * Math.max(0, total - done));
}

export class ProgressReporter {
  private readonly nowMs: () => number;
  private readonly everyMs: number;
  private readonly startedMs: number;
  private lastMs: number | null = null;

  constructor(
    private readonly label: string,
    private readonly total: number | null,
    private readonly options: ProgressOptions,
  ) {
    this.nowMs = options.nowMs ?? Date.now;
    this.everyMs = options.everyMs ?? 1_000;
    this.startedMs = this.nowMs();
  }

  /** Reports `done` events so far, unless a line was written less than `everyMs` ago. */
  update(done: number): void {
    const now = this.nowMs();
    if (this.lastMs !== null && now - this.lastMs < this.everyMs) return;
    this.lastMs = now;
    this.options.write(this.line(done, now));
  }

  /** The final line, always written. */
  finish(done: number): void {
    this.options.write(`${this.line(done, this.nowMs())} done`);
  }

  private line(done: number, now: number): string {
    const elapsed = now - this.startedMs;
    const rate = elapsed > 0 ? Math.round((done / elapsed) * 1000) : null;
    const of = this.total === null ? `${done} events` : `${done}/${this.total} events (${this.total === 0 ? 100 : Math.floor((done / this.total) * 100)}%)`;
    const eta = etaMs(done, this.total, elapsed);
    return `${this.label}: ${of}, ${seconds(elapsed)} elapsed${rate === null ? '' : `, ${rate}/s`}${eta === null ? '' : `, ETA ${seconds(eta)}`}`;
  }
}
