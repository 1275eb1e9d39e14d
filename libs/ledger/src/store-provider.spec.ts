import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../event-store/src/clock.js';
import { loadConfig } from './config.js';
import { openConfiguredStore } from './store-provider.js';

const SECRET = 'k'.repeat(40);

describe('opening the configured store', () => {
  it('opens the in-memory store, stamping events with the given clock', async () => {
    const clock = new FakeClock(Date.parse('2025-06-01T00:00:00Z'));
    const store = await openConfiguredStore(loadConfig({ CONCORDAT_STORE: 'memory', CONCORDAT_JWT_SECRET: SECRET }), { clock });
    await store.appendToStream('city-lyon', [{ id: crypto.randomUUID(), type: 'city.registered', data: {}, metadata: { actor: 'a', role: 'admin', correlationId: 'c', schemaVersion: 1 } }], 'no_stream');
    const [event] = await store.readStream('city-lyon');
    expect(store.kind).toBe('memory');
    expect(event.recordedAt).toBe('2025-06-01T00:00:00.000Z');
    await store.close();
  });

  it('opens the SQLite file the configuration names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concordat-store-'));
    try {
      const config = loadConfig({ CONCORDAT_SQLITE_PATH: join(dir, 'ledger.sqlite'), CONCORDAT_JWT_SECRET: SECRET });
      const store = await openConfiguredStore(config, { clock: new FakeClock() });
      expect(store.kind).toBe('sqlite');
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens the EventStoreDB adapter for the esdb store without connecting until first use', async () => {
    const config = loadConfig({ CONCORDAT_STORE: 'esdb', CONCORDAT_ESDB_URL: 'esdb://localhost:2113?tls=false', CONCORDAT_JWT_SECRET: SECRET });
    const store = await openConfiguredStore(config, { clock: new FakeClock() });
    expect(store.kind).toBe('esdb');
    await store.close();
  });
});
