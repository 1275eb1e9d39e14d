import type { EventMetadata, RecordedEvent } from '../../event-store/src/port.js';
import { IDEMPOTENCY_RECORDED } from './execute-command.js';
import { IdempotencyKeysReadModel, requestHash } from './idempotency.js';

let position = 0n;
function recorded(stream: string, revision: bigint, metadata: Partial<EventMetadata>, type = 'counter.incremented', data: unknown = {}): RecordedEvent {
  return {
    id: crypto.randomUUID(),
    type,
    stream,
    revision,
    position: position++,
    recordedAt: '2025-01-01T00:00:00.000Z',
    data,
    metadata: { actor: 'a', role: 'admin', correlationId: 'c', schemaVersion: 1, ...metadata },
    hash: '0'.repeat(64),
  };
}

describe('the idempotency key index', () => {
  beforeEach(() => {
    position = 0n;
  });

  it('remembers the first answer under a key: the last event of that append', () => {
    const keys = new IdempotencyKeysReadModel();
    keys.apply(recorded('counter-a', 0n, { idempotencyKey: 'k1', requestHash: 'h' }));
    keys.apply(recorded('counter-a', 1n, { idempotencyKey: 'k1', requestHash: 'h' }));
    keys.apply(recorded('counter-a', 2n, {}));
    expect(keys.find('k1')).toEqual({ requestHash: 'h', acknowledgement: { stream: 'counter-a', revision: '1', position: '1' } });
  });

  it('answers a recorded no-op with the stream it addressed and the marker position', () => {
    const keys = new IdempotencyKeysReadModel();
    keys.apply(recorded('idempotency-x', 0n, { idempotencyKey: 'k2', requestHash: 'h' }, IDEMPOTENCY_RECORDED, { stream: 'counter-b', revision: '4' }));
    expect(keys.find('k2')?.acknowledgement).toEqual({ stream: 'counter-b', revision: '4', position: '0' });
  });

  it('forgets the oldest keys beyond its bound', () => {
    const keys = new IdempotencyKeysReadModel(2);
    for (const key of ['k1', 'k2', 'k3']) keys.apply(recorded(`counter-${key}`, 0n, { idempotencyKey: key, requestHash: 'h' }));
    expect(keys.find('k1')).toBeUndefined();
    expect(keys.find('k3')).toBeDefined();
  });

  it('hashes the request so that method, path, body and actor each matter, and key order does not', () => {
    const base = { method: 'POST', path: '/cities', body: { id: 'lyon', name: 'Lyon' }, actor: 'admin-1' };
    const hash = requestHash(base);
    expect(requestHash({ ...base, body: { name: 'Lyon', id: 'lyon' } })).toBe(hash);
    expect(requestHash({ ...base, method: 'PUT' })).not.toBe(hash);
    expect(requestHash({ ...base, path: '/bodies' })).not.toBe(hash);
    expect(requestHash({ ...base, body: { id: 'lyon', name: 'Lyons' } })).not.toBe(hash);
    expect(requestHash({ ...base, actor: 'admin-2' })).not.toBe(hash);
  });

  it('keeps the hash of a request what earlier versions recorded, so keys already in the log stay valid', () => {
    // SHA-256 of the canonical JSON (sorted keys, no whitespace) as integrity.ts writes it, computed independently.
    const request = {
      method: 'post',
      path: '/commitments',
      body: { commitmentId: 'c-1', value: { amount: '12000.00', currency: 'CNY' }, obligee: { kind: 'city', id: 'nanjing' }, tags: ['洪水', 1, true, null] },
      actor: 'coordinator-1',
    };
    expect(requestHash(request)).toBe('c97da18f5215d5a60c821eaa7c5ce33d4d64e5a349755b15d31b854bb520bbbf');
  });
});
