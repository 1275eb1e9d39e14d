/** The ledger clock: every `recordedAt` and every deadline comes from it, so tests can move time. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(private ms: number = Date.parse('2025-01-01T00:00:00Z')) {}
  nowMs(): number {
    return this.ms;
  }
  set(isoOrMs: string | number): void {
    this.ms = typeof isoOrMs === 'number' ? isoOrMs : Date.parse(isoOrMs);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export const toIso = (ms: number): string => new Date(ms).toISOString();
