/**
 * Rules shared by every governance decider: who acts, when a command may claim to have happened, ids, texts and
 * exact quantities. Leaf helpers: each either returns a normalised value or throws a precise DomainError.
 */
import { DomainError } from '../shared/errors.js';
import { Dec } from '../shared/money.js';
import { instant, parseInstant, type Instant } from '../shared/time.js';

/**
 * Who issues a command. `body` is an officer of that coordination body, `city` an officer of that city, `admin` the
 * ledger's administrator, `process` an automatic process of the ledger itself (the deadline manager).
 */
export type Actor =
  | { kind: 'admin'; id: string }
  | { kind: 'body'; id: string }
  | { kind: 'city'; id: string }
  | { kind: 'process'; id: string };

/** Fields every governance command carries. */
export interface CommandBase {
  /** The business instant the fact happened (ISO-8601 UTC); the handler defaults it to the ledger clock's now. */
  occurredAt: Instant;
  /** The ledger clock's now in epoch milliseconds, filled by the handler: the decider has no clock of its own. */
  nowMs: number;
  by: Actor;
}

/**
 * How far ahead of the ledger clock a claimed instant may be: clocks of the cities' systems drift, a
 * little; anything more is a typo or an attempt to pre-date a fulfilment.
 */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Text bounds: every stored string has a limit. */
export const TEXT_LIMITS = {
  name: 200,
  description: 2000,
  reason: 1000,
  evidenceRef: 500,
  unit: 32,
  duty: 500,
} as const;
export type TextKind = keyof typeof TEXT_LIMITS;

/** Quantities of units (tonnes, teams, hours) carry at most this many decimals. */
export const QUANTITY_MAX_SCALE = 6;

const QUANTITY_RE = /^-?(0|[1-9]\d{0,20})(\.\d+)?$/;

export function requireId(value: string, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new DomainError('invalid_id', `${field} must be a slug such as "hangzhou" (a-z, 0-9, "-", at most 63)`, { field, value, pattern: ID_PATTERN.source });
  }
  return value;
}

export function requireText(value: string, field: string, kind: TextKind): string {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (trimmed.length === 0) {
    throw new DomainError('empty_text', `${field} must not be empty`, { field });
  }
  const max = TEXT_LIMITS[kind];
  if (trimmed.length > max) {
    throw new DomainError('text_too_long', `${field} has ${trimmed.length} characters; at most ${max} are allowed`, { field, length: trimmed.length, max });
  }
  return trimmed;
}

export function requireOneOf<T extends string>(value: string, allowed: readonly T[], code: string, field: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new DomainError(code, `${field} must be one of ${allowed.join(', ')}`, { field, value, allowed });
  }
  return found;
}

export function requireBounded<T>(list: readonly T[], max: number, field: string): readonly T[] {
  if (!Array.isArray(list)) {
    throw new DomainError('invalid_list', `${field} must be a list`, { field });
  }
  if (list.length > max) {
    throw new DomainError('list_too_long', `${field} has ${list.length} entries; at most ${max} are allowed`, { field, length: list.length, max });
  }
  return list;
}

export function requireUnique(values: readonly string[], code: string, field: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new DomainError(code, `${field} lists ${v} twice`, { field, value: v });
    seen.add(v);
  }
}

/** A quantity of a unit: a decimal string with at most QUANTITY_MAX_SCALE decimals. */
export function parseQuantity(value: string, field: string): Dec {
  if (typeof value !== 'string' || !QUANTITY_RE.test(value)) {
    throw new DomainError('invalid_quantity', `${field} must be a decimal string such as "12.5"`, { field, value });
  }
  const scale = value.includes('.') ? value.length - value.indexOf('.') - 1 : 0;
  if (scale > QUANTITY_MAX_SCALE) {
    throw new DomainError('quantity_scale_exceeded', `${field} has ${scale} decimals; at most ${QUANTITY_MAX_SCALE} are allowed`, {
      field,
      value,
      maxScale: QUANTITY_MAX_SCALE,
    });
  }
  return new Dec(value);
}

export function requirePositive(value: Dec, field: string, raw: string): Dec {
  if (!value.isPositive() || value.isZero()) {
    throw new DomainError('non_positive_quantity', `${field} must be greater than zero`, { field, value: raw });
  }
  return value;
}

/**
 * The command's business instant, normalised. Refused when it lies beyond the ledger clock (plus skew) or before
 * the last fact of its stream: a stream's history is in business order, so "as happened" folds are truthful.
 */
export function checkOccurredAt(command: CommandBase, lastOccurredAtMs: number | null): { ms: number; at: Instant } {
  if (typeof command.nowMs !== 'number' || !Number.isFinite(command.nowMs)) {
    throw new DomainError('invalid_clock', 'nowMs must be the ledger clock in epoch milliseconds', { nowMs: command.nowMs });
  }
  const ms = parseInstant(command.occurredAt, 'occurredAt');
  if (ms > command.nowMs + MAX_CLOCK_SKEW_MS) {
    throw new DomainError('occurred_in_future', `occurredAt ${command.occurredAt} lies in the future`, {
      occurredAt: command.occurredAt,
      now: instant(command.nowMs),
      maxSkewMs: MAX_CLOCK_SKEW_MS,
    });
  }
  if (lastOccurredAtMs !== null && ms < lastOccurredAtMs) {
    throw new DomainError(
      'out_of_order',
      `occurredAt ${command.occurredAt} is earlier than the last fact of this stream`,
      { occurredAt: command.occurredAt, lastOccurredAt: instant(lastOccurredAtMs) },
      409,
    );
  }
  return { ms, at: instant(ms) };
}

export function notPermitted(action: string, by: Actor, allowed: string): DomainError {
  return new DomainError('actor_not_permitted', `${by.kind} ${by.id} may not ${action}; only ${allowed} may`, { action, by, allowed }, 403);
}

/** An officer of exactly this body. */
export function requireBodyActor(by: Actor, bodyId: string, action: string): void {
  if (by.kind !== 'body' || by.id !== bodyId) throw notPermitted(action, by, `the body ${bodyId}`);
}

export function requireAdmin(by: Actor, action: string): void {
  if (by.kind !== 'admin') throw notPermitted(action, by, 'an administrator');
}

export function requireExists<S>(value: S | null, what: string, id: string): S {
  if (value === null) {
    throw new DomainError(`${what}_not_found`, `${what.replace(/_/g, ' ')} ${id} does not exist`, { id }, 404);
  }
  return value;
}
