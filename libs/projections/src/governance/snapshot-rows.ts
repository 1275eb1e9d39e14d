import { isAscii } from 'node:buffer';
import { MessageChannel } from 'node:worker_threads';
import { DeferredSnapshotBytes, DeferredSnapshotError, type BackgroundWork } from '../read-model.js';

/** Checks for snapshot rows handed to `restore`: a row of the wrong shape is refused, so the model is rebuilt. */

export class SnapshotShapeError extends Error {
  constructor(readModel: string, what: string) {
    super(`${readModel}: snapshot ${what}`);
    this.name = 'SnapshotShapeError';
  }
}

export function rowsOf(readModel: string, state: unknown, width: number): unknown[][] {
  if (!Array.isArray(state)) throw new SnapshotShapeError(readModel, 'is not a list of rows');
  for (let i = 0; i < state.length; i++) {
    const row: unknown = state[i];
    if (!Array.isArray(row) || row.length !== width) throw new SnapshotShapeError(readModel, `row ${i} is not a tuple of ${width}`);
  }
  return state as unknown[][];
}

export function text(readModel: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw new SnapshotShapeError(readModel, `${what} is not text`);
  return value;
}

/** A bigint written as decimal text (positions and revisions). */
export function decimal(readModel: string, value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,30})$/.test(value)) throw new SnapshotShapeError(readModel, `${what} is not a decimal integer`);
  return BigInt(value);
}

export function record(readModel: string, value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SnapshotShapeError(readModel, `${what} is not an object`);
  return value as Record<string, unknown>;
}

const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[^\x00-\x7f]/g;
const escapeUnit = (unit: string): string => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A value as JSON text in ASCII (every code unit above U+007F escaped as \uXXXX, which JSON.parse reads back as the
 * same string): written as its bytes (DeferredSnapshotBytes takes the text itself) and parsed later with
 * `parseJsonBytes`, one Latin-1 copy instead of UTF-8 decoding.
 */
export function asciiJsonText(value: unknown): string {
  const json = JSON.stringify(value);
  if (typeof json !== 'string') throw new TypeError('the value is not JSON-compatible');
  return NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeUnit) : json;
}

/** Parses the bytes of `asciiJsonText` (or any JSON in UTF-8). */
export function parseJsonBytes(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8'));
}

/**
 * Snapshot rows written as groups of JSON text in binary rows, so that a restore can keep them as bytes and decode
 * them later (see `DeferredRestore`). Each group becomes bytes when the writer reaches it, in its slices.
 */
export function deferredGroups(rows: readonly unknown[], perGroup: number): DeferredSnapshotBytes[] {
  return lazyGroups(rows.length, perGroup, (r) => rows[r]);
}

/**
 * Like `deferredGroups`, for `count` rows that `rowAt` builds only when the writer reaches their group (from a state
 * that later events do not change): each group's rows and text are made in the writer's slice and die young, rather
 * than being made at the capture and living, promoted, through the whole write.
 */
export function lazyGroups(count: number, perGroup: number, rowAt: (row: number) => unknown): DeferredSnapshotBytes[] {
  const groups: DeferredSnapshotBytes[] = [];
  for (let start = 0; start < count; start += perGroup) {
    const end = Math.min(count, start + perGroup);
    groups.push(
      new DeferredSnapshotBytes(() => {
        const group: unknown[] = [];
        for (let r = start; r < end; r++) group.push(rowAt(r));
        return asciiJsonText(group);
      }),
    );
  }
  return groups;
}

/**
 * Frees a buffer's memory now rather than at some later major garbage collection (which V8 schedules by the heap, not
 * by the hundreds of MB a restart's snapshot files hold outside it): its ArrayBuffer is moved into a message on a
 * channel that is closed at once, so the message and the memory go with it, and every view of it becomes empty. Only
 * for a Buffer that is the whole of its ArrayBuffer and that nothing reads afterwards; anything else is left to the
 * collector.
 */
export function releaseNow(bytes: Buffer): void {
  const { buffer } = bytes;
  if (!(buffer instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength || buffer.byteLength === 0) return;
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(null, [buffer]);
  } catch {
    // Not transferable (e.g. pooled): the collector frees it.
  } finally {
    port1.close();
    port2.close();
  }
}

/** One copy of several byte rows, back to back, and a view of each in it. */
export function copiedTogether(rows: readonly Buffer[]): { whole: Buffer; views: Buffer[] } {
  const whole = Buffer.allocUnsafeSlow(rows.reduce((sum, row) => sum + row.length, 0));
  const views: Buffer[] = [];
  let at = 0;
  for (const row of rows) {
    row.copy(whole, at);
    views.push(whole.subarray(at, at + row.length));
    at += row.length;
  }
  return { whole, views };
}

/** Longest a background decoding step holds the event loop. */
const DECODE_SLICE_MS = 8;

/**
 * The groups of a restored snapshot (see `deferredGroups`) kept as bytes and decoded in order: all that is left at
 * once when an event or a question needs the whole state (`finish`), or a group at a time in the background once the
 * runner has caught up (`inBackground`). The bytes were checked against the snapshot's SHA-256 before the restore,
 * so a group that does not decode is a writer's mistake: the error is kept, and every later `finish` throws it, so the
 * model refuses to answer rather than answer without the group.
 */
export class DeferredRestore {
  private readonly groups: (Buffer | null)[];
  /** The one copy the groups view, freed as soon as the last is decoded. */
  private whole: Buffer | null;
  private next = 0;
  private broken: Error | null = null;
  private scheduled = false;

  /**
   * Copies the groups' bytes into one buffer of their own (the snapshot file is freed once restored), which is freed
   * in turn as soon as the last group is decoded. Throws SnapshotShapeError on a row that is not bytes.
   */
  constructor(
    private readonly model: string,
    state: unknown,
    private readonly decode: (rows: unknown[], group: number) => void,
  ) {
    if (!Array.isArray(state)) throw new SnapshotShapeError(model, 'is not a list of rows');
    const rows = (state as unknown[]).map((row, r) => {
      if (!Buffer.isBuffer(row)) throw new SnapshotShapeError(model, `row ${r} is not a group of rows as bytes`);
      return row;
    });
    const { whole, views } = copiedTogether(rows);
    this.whole = whole;
    this.groups = views;
  }

  /** Groups not decoded yet. */
  get left(): number {
    return this.groups.length - this.next;
  }

  /** Decodes every group left, in order; throws (now and on every later call) what a group's decode threw. */
  finish(): void {
    while (this.step()) {
      // Each step decodes one group; bounded by the number of groups.
    }
  }

  /**
   * Decodes the groups left a slice at a time, on timers that do not hold the process open; no slice runs once
   * `background.signal` is aborted, and a group that does not decode is reported to `background.fail` (it is also
   * kept: every later `finish` throws it).
   */
  inBackground(background?: BackgroundWork): void {
    if (this.scheduled || (this.left === 0 && this.broken === null)) return;
    this.scheduled = true;
    const slice = (): void => {
      if (background?.signal.aborted === true) {
        // Left to `finish`: an event or a question still decodes what it needs.
        this.scheduled = false;
        return;
      }
      const started = performance.now();
      try {
        while (performance.now() - started < DECODE_SLICE_MS && this.step()) {
          // Bounded by the slice and by the number of groups.
        }
      } catch (error) {
        background?.fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (this.left > 0) setTimeout(slice, 0).unref();
    };
    setTimeout(slice, 0).unref();
  }

  /** Decodes the next group; false when none is left. */
  private step(): boolean {
    if (this.broken !== null) throw this.broken;
    if (this.next >= this.groups.length) return false;
    const group = this.next;
    const bytes = this.groups[group];
    this.groups[group] = null;
    this.next++;
    try {
      let rows: unknown;
      try {
        rows = bytes === null ? [] : parseJsonBytes(bytes);
      } catch {
        throw new SnapshotShapeError(this.model, `group ${group} is not JSON`);
      } finally {
        // Parsed (or refused) from a string of its own: after the last group, the bytes are not needed any more.
        if (this.next === this.groups.length) this.releaseBytes();
      }
      if (!Array.isArray(rows)) throw new SnapshotShapeError(this.model, `group ${group} is not a list of rows`);
      this.decode(rows as unknown[], group);
    } catch (error) {
      this.broken = error instanceof DeferredSnapshotError ? error : new DeferredSnapshotError(this.model, error);
      this.releaseBytes();
      throw this.broken;
    }
    return true;
  }

  private releaseBytes(): void {
    const whole = this.whole;
    this.whole = null;
    this.groups.fill(null);
    if (whole !== null) releaseNow(whole);
  }
}

/**
 * What a model's restore left to decode: a DeferredRestore while groups are left (or one failed to decode), else
 * nothing. The model calls `ready` before it reads or changes its state, and hands `inBackground` the runner's work.
 */
export class DeferredGroups {
  private restore: DeferredRestore | null = null;

  /** Whether groups are left to decode (or one did not decode). */
  get pending(): boolean {
    return this.restore !== null;
  }

  /** Groups not decoded yet. */
  get left(): number {
    return this.restore?.left ?? 0;
  }

  /** Keeps a restore's groups, when any are left. */
  hold(restore: DeferredRestore): void {
    this.restore = restore.left > 0 ? restore : null;
  }

  /** Every group decoded (throws, again and again, if one did not decode). */
  ready(): void {
    const restore = this.restore;
    if (restore === null) return;
    restore.finish();
    this.restore = null;
  }

  /** The runner reached the head: groups no event or question has needed yet are decoded in the background. */
  inBackground(background?: BackgroundWork): void {
    this.restore?.inBackground(background);
  }
}
