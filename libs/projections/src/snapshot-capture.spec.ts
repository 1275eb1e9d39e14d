import { MAX_OPEN_CAPTURES, OpenCaptures } from './snapshot-capture.js';

/** A model of one mutable row per key, snapshotted a chunk per key. */
class Book {
  readonly rows = new Map<string, { amount: number }>();
  readonly captures = new OpenCaptures<string, { amount: number }>();

  set(key: string, amount: number): void {
    const row = this.rows.get(key);
    if (row === undefined) {
      this.rows.set(key, { amount });
      return;
    }
    this.captures.beforeChange(key, row, (kept) => ({ ...kept }));
    row.amount = amount;
  }

  /** One chunk per key present now; each reads the row as captured. */
  snapshot(): (() => string)[] {
    const capture = this.captures.begin();
    const chunks = [...this.rows].map(([key, row]) => capture.chunk(() => `${key}=${capture.asCaptured(key, row).amount}`));
    this.captures.seal(capture);
    return chunks;
  }
}

describe('a snapshot captured by reference', () => {
  it('serializes each row as it was at the capture, though it changed before its chunk was written', () => {
    const book = new Book();
    book.set('lyon', 1);
    book.set('turin', 2);
    const chunks = book.snapshot();
    book.set('lyon', 10);
    book.set('lyon', 100);
    book.set('geneva', 3);
    expect(chunks.map((write) => write())).toEqual(['lyon=1', 'turin=2']);
  });

  it('once every chunk is written, records nothing more and refuses a chunk written again', () => {
    const book = new Book();
    book.set('lyon', 1);
    const [only] = book.snapshot();
    expect(only!()).toBe('lyon=1');
    book.set('lyon', 2);
    expect(() => only!()).toThrow('serialized after its capture was released');
  });

  it('a chunk may be written again while the capture is open, with the same values', () => {
    const book = new Book();
    book.set('lyon', 1);
    book.set('turin', 2);
    const [lyon, turin] = book.snapshot();
    expect(lyon!()).toBe('lyon=1');
    book.set('lyon', 5);
    expect(lyon!()).toBe('lyon=1');
    expect(turin!()).toBe('turin=2');
  });

  it('a capture with no chunk records nothing', () => {
    const book = new Book();
    expect(book.snapshot()).toEqual([]);
    book.set('lyon', 1);
    book.set('lyon', 2);
    expect(book.snapshot().map((write) => write())).toEqual(['lyon=2']);
  });

  it(`keeps recording into at most ${MAX_OPEN_CAPTURES} unwritten captures; an older one, abandoned, refuses to write`, () => {
    const book = new Book();
    book.set('lyon', 0);
    const captures = Array.from({ length: MAX_OPEN_CAPTURES + 1 }, (_, i) => {
      const chunks = book.snapshot();
      book.set('lyon', i + 1);
      return chunks;
    });
    expect(() => captures[0]![0]!()).toThrow('released or abandoned');
    expect(captures.slice(1).map((chunks) => chunks[0]!())).toEqual(Array.from({ length: MAX_OPEN_CAPTURES }, (_, i) => `lyon=${i + 1}`));
  });
});
