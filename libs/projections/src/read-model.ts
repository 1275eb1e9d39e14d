import type { RecordedEvent } from '../../event-store/src/port.js';

/**
 * A read model fed by the ordered log. The projection runner (libs/ledger) calls `apply` once per event, in global
 * order, exactly once; the same code builds the live state, rebuilds it from zero, and answers "as of" questions by
 * replaying into a fresh instance.
 *
 * `apply` must be deterministic (no clock, no randomness, no I/O). State is mutated in place for speed; the read model
 * owns it. A violated invariant (e.g. money not conserved) throws ProjectionInvariantError: the runner stops loudly.
 */
export interface ReadModel {
  readonly name: string;
  /** Bump when the state's shape or meaning changes: snapshots of another version are discarded and rebuilt. */
  readonly version: number;
  apply(event: RecordedEvent): void;
  /** Canonical, JSON-compatible state (sorted where order is not meaningful): for state digests and snapshots. */
  canonicalState(): unknown;
  /**
   * Optional: the version of the parameter set the state was computed under (trust). A snapshot taken under
   * another parameter set is discarded and the model rebuilt from the log.
   */
  readonly parameterSetVersion?: string;
  /**
   * Optional: the JSON-compatible state a snapshot stores; default `canonicalState()`. Called between two events; the
   * value is serialized afterwards in slices while later events are applied, so it must not share anything the
   * model mutates in place (copy arrays that grow, or lend them copy-on-write; immutable values may be shared).
   * Returning an array lets the writer serialize it row by row; a row may defer its conversion with `toJSON`, which
   * then runs in those slices rather than in the capture that blocks the event loop. A row that is a typed array
   * (or a SnapshotBytes) is written as its raw bytes and comes back to `restore` as one Buffer.
   */
  snapshot?(): unknown;
  /**
   * Optional, for a model whose capture is long (tens of milliseconds at a million events): the capture `snapshot()`
   * makes, as a generator that yields at points where it may be interrupted and returns what `snapshot()` returns.
   * The runner applies no event from its first step to its last and gives the event loop a turn at a yield once a few
   * milliseconds have passed, so the capture still holds one instant while requests are answered meanwhile (from the
   * read models as they stand; a wait for a later position waits for the capture). Nothing but `apply` may change
   * the state between two steps.
   */
  snapshotInSlices?(): Generator<void, unknown, void>;
  /**
   * Optional: replaces the state of a fresh (never applied) model with a value `snapshot()` returned, as it was at the
   * snapshot's position. Binary rows come as Buffers viewing the snapshot file, which the runner frees right after
   * `restore` returns: copy what you keep. Throws on anything it does not recognise, leaving the model fresh; the runner
   * then rebuilds it from the log. Models without `restore` are always rebuilt from the beginning of the log.
   */
  restore?(state: unknown): void;
  /**
   * Optional: called once, when the runner first reaches the head of the log it started with (every model restored
   * or rebuilt, and caught up; at once when it keeps no snapshots, since then nothing was restored). Work a restore
   * deferred (decoding the rest of a snapshot) starts here, so that it does not compete with the start itself for the
   * main thread. `background` (given by the runner) says when such work must end (the runner stopped or failed) and
   * where a failure of it goes: the runner fails with it, since the model can no longer answer.
   */
  caughtUp?(background?: BackgroundWork): void;
}

/** Runs a capture in slices to its end at once: `snapshot()` of a model that also has `snapshotInSlices()`. */
export function captureAtOnce<T>(steps: Generator<void, T, void>): T {
  // Bounded: the model's steps are finite (ReadModel.snapshotInSlices).
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** What the runner hands `caughtUp`: when work a restore deferred must end, and where its failure is reported. */
export interface BackgroundWork {
  /** Aborted when the runner stops or fails: no slice of background work runs after that. */
  readonly signal: AbortSignal;
  /** The deferred work failed (the model refuses to answer from then on): the runner fails with it. */
  fail(error: Error): void;
}

/**
 * A snapshot row of raw bytes made of several pieces, written one after the other as one binary row and read back as
 * one Buffer: many small arrays (per-city indices) travel as one row without being copied together at the capture.
 */
export class SnapshotBytes {
  private length: number | null = null;

  /**
   * With `byteLengths`, only that many bytes from the start of each piece are written: a prefix of a growing array
   * without a view of its own (a capture of tens of thousands of them then makes no object per array).
   */
  constructor(
    readonly pieces: readonly ArrayBufferView[],
    private readonly byteLengths?: readonly number[],
  ) {
    if (byteLengths !== undefined && byteLengths.length !== pieces.length) throw new RangeError(`${byteLengths.length} byte lengths for ${pieces.length} pieces`);
  }

  /** The bytes of piece `i` that are written (from its start); throws past the piece's end. */
  bytesOf(i: number): Uint8Array {
    const piece = this.pieces[i] as ArrayBufferView;
    return new Uint8Array(piece.buffer, piece.byteOffset, this.lengthOf(i));
  }

  /**
   * Summed when the writer asks, not at the capture; every piece's length is checked then, so a row the writer would
   * have to give up half way is refused before its first byte.
   */
  get byteLength(): number {
    this.length ??= this.pieces.reduce((sum, _, i) => sum + this.lengthOf(i), 0);
    return this.length;
  }

  private lengthOf(i: number): number {
    const piece = this.pieces[i] as ArrayBufferView;
    const length = this.byteLengths?.[i] ?? piece.byteLength;
    if (!Number.isSafeInteger(length) || length < 0 || length > piece.byteLength) throw new RangeError(`piece ${i} has ${piece.byteLength} bytes, not ${length}`);
    return length;
  }
}

/**
 * A binary row whose bytes are produced when the writer reaches it (in its slices), not at the capture that blocks the
 * event loop: e.g. rows a model keeps as text to decode on demand after a restore. `produce` runs once and gives the
 * bytes, or text of code units up to U+00FF written one byte each (ASCII JSON, say, without a Buffer of its own);
 * the writer refuses other text. Read back, like any binary row, as one Buffer.
 */
export class DeferredSnapshotBytes {
  constructor(readonly produce: () => ArrayBufferView | string) {}
}

/**
 * A part of a restored snapshot that did not decode when it was needed (the restore had deferred it): a writer's
 * mistake, not the log's. The runner removes such a snapshot, so the next start rebuilds the model from the log; any
 * other error of `apply` (a bug) leaves the snapshot alone, as a rebuild would only meet it again. Its message carries
 * the cause's.
 */
export class DeferredSnapshotError extends Error {
  constructor(
    readonly readModel: string,
    cause: unknown,
  ) {
    super(`${readModel}: a deferred part of its snapshot does not decode: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'DeferredSnapshotError';
  }
}

/** A projection found the history inconsistent with an invariant. Never caught and ignored: it stops the runner. */
export class ProjectionInvariantError extends Error {
  constructor(
    readonly readModel: string,
    readonly position: bigint,
    message: string,
  ) {
    super(`read model ${readModel} at position ${position}: ${message}`);
    this.name = 'ProjectionInvariantError';
  }
}
