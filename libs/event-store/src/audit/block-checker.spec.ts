import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultBlockWorkers, MAX_BLOCK_WORKERS } from './block-checker.js';

describe('how many worker threads a verification uses when not told', () => {
  let dir: string;
  let script: URL;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'concordat-block-workers-'));
    const path = join(dir, 'block-worker.js');
    writeFileSync(path, '');
    script = pathToFileURL(path);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses one per core on a machine of two or more, up to the most a pool takes', () => {
    expect(defaultBlockWorkers(2, script)).toBe(2);
    expect(defaultBlockWorkers(8, script)).toBe(8);
    expect(defaultBlockWorkers(64, script)).toBe(MAX_BLOCK_WORKERS);
  });

  it('uses none on one core, where a worker only adds hand-offs', () => {
    expect(defaultBlockWorkers(1, script)).toBe(0);
  });

  it('uses none where the compiled worker script is absent (running from the sources)', () => {
    expect(defaultBlockWorkers(8, pathToFileURL(join(dir, 'absent.js')))).toBe(0);
    expect(defaultBlockWorkers(8)).toBe(0);
  });
});
