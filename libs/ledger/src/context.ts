import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../../event-store/src/port.js';

export const ROLES = ['admin', 'coordinator', 'city-officer', 'finance-officer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/** What an actor may act for: one city, one coordination body, or one fund. Admins and auditors have none. */
export type Scope = { kind: 'city'; id: string } | { kind: 'body'; id: string } | { kind: 'fund'; id: string };

export interface Actor {
  /** The token's `sub`, or `system:<process>` for process managers. */
  id: string;
  role: Role | 'system';
  scope: Scope | null;
}

/** Who asks, and under which request: everything a command needs to stamp its events' metadata. */
export interface CommandContext {
  actor: Actor;
  correlationId: string;
  causationId?: string | null;
  idempotencyKey?: string | null;
  /** SHA-256 (hex) of the request the idempotency key was first used with. */
  requestHash?: string | null;
}

export const SCHEMA_VERSION = 1;

export const scopeLabel = (scope: Scope | null): string | null => (scope === null ? null : `${scope.kind}:${scope.id}`);

/** The envelope metadata every event appended under this context carries. */
export function metadataFor(context: CommandContext, schemaVersion: number = SCHEMA_VERSION): EventMetadata {
  return {
    actor: context.actor.id,
    role: context.actor.role,
    scope: scopeLabel(context.actor.scope),
    correlationId: context.correlationId,
    causationId: context.causationId ?? null,
    idempotencyKey: context.idempotencyKey ?? null,
    requestHash: context.requestHash ?? null,
    schemaVersion,
  };
}

/** A context for work the ledger does on its own (process managers, the CLI's demo data). */
export function systemContext(process: string, correlationId: string = randomUUID()): CommandContext {
  return { actor: { id: `system:${process}`, role: 'system', scope: null }, correlationId };
}
