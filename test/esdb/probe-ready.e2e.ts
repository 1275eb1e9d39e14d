/**
 * deploy/probe-ready.mjs, the readiness probe of the compose file, run as the container runs it (a child process with
 * PORT set) against a stand-in for the API's GET /health/ready.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const PROBE = join(process.cwd(), 'deploy', 'probe-ready.mjs');

/** Exit code of the probe against a server on `port`. */
function probe(port: number): Promise<number> {
  return new Promise((resolve) => {
    execFile(process.execPath, [PROBE], { env: { ...process.env, PORT: String(port) }, timeout: 20_000 }, (error) => {
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : -1);
    });
  });
}

describe('the readiness probe of the compose file', () => {
  let server: Server;
  let answer = 200;
  const asked: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(request.url ?? '');
      response.statusCode = answer;
      response.setHeader('Content-Type', answer === 200 ? 'application/json' : 'application/problem+json');
      response.end(JSON.stringify(answer === 200 ? { status: 'ok', ready: true } : { code: 'not_ready', status: 503 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('passes while /health/ready answers 200 and fails while it answers 503', async () => {
    const { port } = server.address() as AddressInfo;
    answer = 200;
    expect(await probe(port)).toBe(0);
    answer = 503;
    expect(await probe(port)).toBe(1);
    expect(asked).toEqual(['/health/ready', '/health/ready']);
  });

  it('fails when nothing answers', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe(port)).toBe(1);
  });
});
