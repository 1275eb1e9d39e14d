import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { csvField, streamCsv } from './csv.js';

/**
 * A server whose one route runs `handler`; `finished` settles when the handler does. A failure ends the response as the
 * ProblemFilter does once the headers are out (sendProblem), so the test sees what a client of the API would.
 */
async function serve(handler: (res: ServerResponse) => Promise<void>): Promise<{ server: Server; url: string; finished: Promise<unknown> }> {
  let settle: (outcome: unknown) => void = () => undefined;
  const finished = new Promise<unknown>((resolve) => {
    settle = resolve;
  });
  const server = createServer((_req, res) => {
    handler(res).then(
      () => settle('returned'),
      (error: unknown) => {
        res.end();
        settle(error);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, finished };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe('a streamed CSV export', () => {
  it('quotes what a spreadsheet would misread', () => {
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField(null)).toBe('');
  });

  it('aborts the transfer when a later page fails, so a reader never takes a short file for a whole one', async () => {
    const { server, url, finished } = await serve((res) =>
      streamCsv(() => res, 'x.csv', ['id'], async (cursor) => {
        if (cursor === null) return { rows: [['first']], nextCursor: 'page-2' };
        throw new Error('read model gone');
      }),
    );
    try {
      const outcome = await new Promise<string>((resolve) => {
        get(url, (res: IncomingMessage) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve('complete'));
          res.on('error', () => resolve('aborted'));
          res.on('aborted', () => resolve('aborted'));
        }).on('error', () => resolve('aborted'));
      });
      expect(outcome).toBe('aborted');
      expect(await finished).toEqual(new Error('read model gone'));
    } finally {
      await close(server);
    }
  });

  it('stops, instead of waiting for ever, when the reader goes away while the export is held back', async () => {
    const bigRow = ['x'.repeat(1024 * 1024)];
    let pages = 0;
    const { server, url, finished } = await serve((res) =>
      streamCsv(() => res, 'x.csv', ['id'], async () => {
        pages += 1;
        return { rows: [bigRow, bigRow, bigRow, bigRow], nextCursor: `page-${pages + 1}` };
      }),
    );
    try {
      await new Promise<void>((resolve) => {
        const req = get(url, (res: IncomingMessage) => {
          // Read nothing: the server's writes back up; then hang up.
          res.pause();
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 200);
        });
        req.on('error', () => undefined);
      });
      expect(await finished).toBe('returned');
      expect(pages).toBeLessThan(200);
    } finally {
      await close(server);
    }
  }, 30_000);
});
