import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyToken } from '../../api/src/auth/tokens.js';
import type { CliIo } from './io.js';
import { run } from './program.js';

const SECRET = 'cli-test-secret-long-enough-for-hs256!!';

function captureIo(env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { env, stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

describe('the concordat command line', () => {
  it('lists its commands under --help and exits 0', async () => {
    const io = captureIo();
    await expect(run(['--help'], io)).resolves.toBe(0);
    const help = io.stdout.join('\n');
    expect(help).toMatch(/Usage: concordat/);
    expect(help).toMatch(/serve/);
    expect(help).toMatch(/token/);
  });

  it('prints a token the API accepts, with the role and scope asked for', async () => {
    const io = captureIo({ CONCORDAT_JWT_SECRET: SECRET });
    await expect(run(['token', '--role', 'city-officer', '--city', 'lyon', '--sub', 'officer-9', '--ttl', '30m'], io)).resolves.toBe(0);
    expect(io.stdout).toHaveLength(1);
    await expect(verifyToken(SECRET, io.stdout[0])).resolves.toEqual({ id: 'officer-9', role: 'city-officer', scope: { kind: 'city', id: 'lyon' } });
  });

  it('refuses to print a token without the secret, exiting non-zero', async () => {
    const io = captureIo();
    await expect(run(['token', '--role', 'admin'], io)).resolves.toBe(1);
    expect(io.stderr.join('\n')).toMatch(/CONCORDAT_JWT_SECRET is not set/);
    expect(io.stdout).toEqual([]);
  });

  it('refuses an unknown role, a missing scope and a bad lifetime', async () => {
    const env = { CONCORDAT_JWT_SECRET: SECRET };
    const unknownRole = captureIo(env);
    await expect(run(['token', '--role', 'mayor'], unknownRole)).resolves.toBe(1);
    expect(unknownRole.stderr.join('\n')).toMatch(/Allowed choices are admin, coordinator/);
    const noScope = captureIo(env);
    await expect(run(['token', '--role', 'coordinator'], noScope)).resolves.toBe(1);
    expect(noScope.stderr.join('\n')).toMatch(/needs a body scope/);
    const badTtl = captureIo(env);
    await expect(run(['token', '--role', 'admin', '--ttl', 'forever'], badTtl)).resolves.toBe(1);
    expect(badTtl.stderr.join('\n')).toMatch(/--ttl/);
  });

  it('refuses to serve with an invalid configuration, naming the variable', async () => {
    const io = captureIo({ CONCORDAT_STORE: 'postgres' });
    await expect(run(['serve'], io)).resolves.toBe(1);
    expect(io.stderr.join('\n')).toMatch(/CONCORDAT_STORE must be one of sqlite, memory, esdb/);
  });

  it('exits non-zero on an unknown command', async () => {
    const io = captureIo();
    await expect(run(['mint'], io)).resolves.toBe(1);
    expect(io.stderr.join('\n')).toMatch(/unknown command/);
  });
});

describe('serving on a file that is not a concordat ledger', () => {
  it('refuses with a message and a non-zero exit, leaving the file alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'concordat-cli-'));
    try {
      const path = join(dir, 'notes.sqlite');
      writeFileSync(path, 'these are my notes, not a database');
      const io = captureIo({ CONCORDAT_SQLITE_PATH: path, CONCORDAT_JWT_SECRET: SECRET, PORT: '0' });
      await expect(run(['serve'], io)).resolves.toBe(1);
      expect(io.stderr.join('\n')).toMatch(/^concordat: /);
      expect(io.stderr.join('\n')).not.toMatch(/\n\s+at /);
      expect(readFileSync(path, 'utf8')).toBe('these are my notes, not a database');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
