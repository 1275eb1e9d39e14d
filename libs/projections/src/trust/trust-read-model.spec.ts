import { FakeClock } from '../../../event-store/src/clock.js';
import { GovernanceHistory } from './governance-history.js';
import { SnapshotBytes } from '../read-model.js';
import { CFBT_1 } from './parameters.js';
import { Coef, FINDING_COEFFICIENTS, MAX_CHUNK_ROWS, TimeIndex, newCoefVector } from './time-index.js';
import { MAX_CONTRIBUTIONS, TrustReadModel, type CommitmentContribution } from './trust-read-model.js';

const DAY = 86_400_000;
const T0 = Date.parse('2025-01-01T00:00:00Z');
const day = (n: number): number => T0 + n * DAY;
const close = (actual: number, expected: number): void => expect(Math.abs(actual - expected)).toBeLessThan(1e-9);

function modelOf(history: GovernanceHistory): TrustReadModel {
  const model = new TrustReadModel(CFBT_1, new FakeClock(day(1000)));
  for (const event of history.events) model.apply(event);
  return model;
}

describe('the cfbt-1 parameter set', () => {
  it('is frozen and maps the ledger’s other finding kinds onto the model’s four', () => {
    expect(Object.isFrozen(CFBT_1)).toBe(true);
    expect(Object.isFrozen(CFBT_1.findingWeights)).toBe(true);
    expect(CFBT_1.findingWeights.slow_response).toBe(CFBT_1.findingWeights.late_report);
    expect(CFBT_1.findingWeights.refusal_to_join_joint_action).toBe(CFBT_1.findingWeights.non_cooperation);
    expect(CFBT_1.graceSeconds).toBe(0);
  });

  it('is named by every answer', () => {
    const model = modelOf(new GovernanceHistory());
    expect(model.cityTrust('x').parameterSet).toBe('cfbt-1');
    expect(model.pairTrust('x', 'y').parameterSet).toBe('cfbt-1');
    expect(model.bodyMatrix({ members: ['x', 'y'] }).parameterSet).toBe('cfbt-1');
  });

  it('scores a refusal to join joint action as a non-cooperation finding', () => {
    const h = new GovernanceHistory();
    h.finding({ findingId: 'f1', cityId: 'b', counterparty: null, kind: 'refusal_to_join_joint_action', severity: 1, atMs: day(0) });
    close(modelOf(h).cityTrust('b', { asOf: day(0) }).s, 4);
  });
});

describe('an open commitment past its due date', () => {
  const h = new GovernanceHistory();
  h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '0', madeMs: day(0), dueMs: day(10) });
  const model = modelOf(h);

  it('counts nothing before it is due', () => {
    const answer = model.cityTrust('b', { asOf: day(10), explain: true });
    expect(answer.s).toBe(0);
    expect(answer.contributions).toEqual([]);
  });

  it('counts provisionally against its obligor, ramping to κ·w over one lead and never decaying', () => {
    close(model.cityTrust('b', { asOf: day(15) }).s, 1);
    close(model.cityTrust('b', { asOf: day(20) }).s, 2);
    close(model.cityTrust('b', { asOf: day(400) }).s, 2);
    const row = model.cityTrust('b', { asOf: day(15), explain: true }).contributions?.[0] as CommitmentContribution;
    expect(row.outcome).toBe('open_overdue_provisional');
    close(row.latenessRatio ?? Number.NaN, 0.5);
    expect(row.decay).toBe(1);
    expect(row.r).toBe(0);
  });

  it('stops counting provisionally once fulfilled late, which counts with its lateness instead', () => {
    const late = new GovernanceHistory();
    late.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '0', madeMs: day(0), dueMs: day(10) });
    late.fulfilled('c1', day(30));
    const m = modelOf(late);
    close(m.cityTrust('b', { asOf: day(15) }).s, 1);
    const after = m.cityTrust('b', { asOf: day(30), explain: true });
    const row = after.contributions?.[0] as CommitmentContribution;
    expect(after.contributions).toHaveLength(1);
    expect(row.outcome).toBe('fulfilled_late');
    close(row.quality ?? Number.NaN, CFBT_1.lateFloor);
    close(after.r, 0.25);
    close(after.s, 2 * 0.75);
  });
});

describe('a fulfilment whose completing delivery was disputed and upheld', () => {
  const h = new GovernanceHistory();
  h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '0', madeMs: day(0), dueMs: day(10) });
  h.fulfilled('c1', day(5));
  h.reopened('c1', day(8));
  h.fulfilled('c1', day(22));
  const model = modelOf(h);

  it('counts until the reopening and not after', () => {
    close(model.cityTrust('b', { asOf: day(6) }).r, 2 ** (-1 / 365));
    expect(model.cityTrust('b', { asOf: day(9) }).r).toBeLessThan(1e-12);
  });

  it('leaves the commitment open again, so it turns provisional past due and the next fulfilment is late', () => {
    close(model.cityTrust('b', { asOf: day(20) }).s, 2);
    const answer = model.cityTrust('b', { asOf: day(22), explain: true });
    expect(answer.contributions?.map((c) => (c as CommitmentContribution).outcome)).toEqual(['fulfilled_late']);
    expect(answer.anomalies).toEqual([]);
  });
});

describe('findings', () => {
  const h = new GovernanceHistory();
  h.finding({ findingId: 'f1', cityId: 'b', counterparty: 'a', kind: 'concealment', severity: 2, atMs: day(0) });
  h.revoked('f1', day(100));
  const model = modelOf(h);

  it('count with severity from the finding until its revocation on appeal', () => {
    close(model.cityTrust('b', { asOf: day(0) }).s, 12);
    close(model.pairTrust('a', 'b', { asOf: day(0) }).s, 12);
    expect(model.cityTrust('b', { asOf: day(100) }).s).toBeLessThan(1e-12);
    expect(model.cityTrust('b', { asOf: day(100), explain: true }).contributions).toEqual([]);
  });
});

describe('the first terminal event of a commitment wins', () => {
  it('reports later terminal events and events for unknown commitments as anomalies that change nothing', () => {
    const h = new GovernanceHistory();
    h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '0', madeMs: day(0), dueMs: day(10) });
    h.fulfilled('c1', day(5));
    h.defaulted('c1', day(6));
    h.waived('ghost', day(7));
    const model = modelOf(h);
    const answer = model.cityTrust('b', { asOf: day(6), explain: true });
    close(answer.r, 2 ** (-1 / 365));
    expect(answer.s).toBe(0);
    expect(answer.anomalies?.map((a) => a.subject)).toEqual(['c1']);
    expect(model.anomalies({ asOf: day(7) }).map((a) => a.subject)).toEqual(['c1', 'ghost']);
    expect(model.anomalies({ asOf: day(5) })).toEqual([]);
  });
});

describe('grace', () => {
  it('is the model’s own (0 in cfbt-1), not the agreement’s overdue grace', () => {
    const h = new GovernanceHistory();
    h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '0', madeMs: day(0), dueMs: day(10) });
    h.fulfilled('c1', day(10) + 30 * 60_000);
    const row = modelOf(h).cityTrust('b', { asOf: day(11), explain: true }).contributions?.[0] as CommitmentContribution;
    expect(row.outcome).toBe('fulfilled_late');
    expect(row.latenessRatio).toBeGreaterThan(0);
  });
});

describe('bases', () => {
  const h = new GovernanceHistory();
  h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '0', madeMs: day(0), dueMs: day(10) });
  h.fulfilled('c1', day(5), 4 * DAY);
  const model = modelOf(h);

  it('recorded answers what the ledger knew then; occurred answers what had happened', () => {
    expect(model.cityTrust('b', { asOf: day(7), basis: 'recorded' }).r).toBe(0);
    close(model.cityTrust('b', { asOf: day(7), basis: 'occurred' }).r, 2 ** (-2 / 365));
  });

  it('once known, scores the fulfilment from the instant it happened on both bases', () => {
    close(model.cityTrust('b', { asOf: day(9), basis: 'recorded' }).r, 2 ** (-4 / 365));
    close(model.cityTrust('b', { asOf: day(9), basis: 'occurred' }).r, 2 ** (-4 / 365));
  });

  it('defaults to the recorded basis, now', () => {
    const answer = model.cityTrust('b');
    expect(answer.basis).toBe('recorded');
    expect(answer.asOf).toBe(new Date(day(1000)).toISOString());
  });
});

describe('vertical commitments (to a body or fund)', () => {
  it('count for the obligor city but never for a pair', () => {
    const h = new GovernanceHistory();
    h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'coordinator', value: '1000000', madeMs: day(0), dueMs: day(10) });
    h.fulfilled('c1', day(5));
    const model = modelOf(h);
    close(model.cityTrust('b', { asOf: day(5) }).r, 2);
    const pair = model.pairTrust('a', 'b', { asOf: day(5), explain: true });
    expect(pair.r).toBe(0);
    expect(pair.contributions).toEqual([]);
    close(pair.baseRate, model.cityTrust('b', { asOf: day(5) }).trust);
  });
});

describe('a body', () => {
  const h = new GovernanceHistory();
  h.bodyEstablished('delta', ['a', 'b', 'c'], day(0));
  h.memberAdmitted('delta', 'd', day(10));
  h.memberRemoved('delta', 'a', day(20));
  for (let i = 0; i < 30; i++) {
    h.commitmentMade({ commitmentId: `b${i}`, obligor: 'b', obligee: 'c', value: '1000000', madeMs: day(i), dueMs: day(i + 10) });
    h.fulfilled(`b${i}`, day(i + 5));
    h.commitmentMade({ commitmentId: `c${i}`, obligor: 'c', obligee: 'b', value: '1000000', madeMs: day(i), dueMs: day(i + 10) });
    h.defaulted(`c${i}`, day(i + 11));
  }
  const model = modelOf(h);

  it('has the members it had at the instant', () => {
    expect(model.membersOf('delta', { asOf: day(5) })).toEqual(['a', 'b', 'c']);
    expect(model.membersOf('delta', { asOf: day(15) })).toEqual(['a', 'b', 'c', 'd']);
    expect(model.membersOf('delta', { asOf: day(25) })).toEqual(['b', 'c', 'd']);
  });

  it('has a matrix over every ordered pair of its members at the instant', () => {
    expect(model.bodyMatrix('delta', { asOf: day(15) }).pairs).toHaveLength(12);
    const matrix = model.bodyMatrix('delta', { asOf: day(45) });
    expect(matrix.members).toEqual(['b', 'c', 'd']);
    expect(matrix.pairs.map((p) => p.subject)).toEqual([
      { kind: 'pair', truster: 'b', trustee: 'c' },
      { kind: 'pair', truster: 'b', trustee: 'd' },
      { kind: 'pair', truster: 'c', trustee: 'b' },
      { kind: 'pair', truster: 'c', trustee: 'd' },
      { kind: 'pair', truster: 'd', trustee: 'b' },
      { kind: 'pair', truster: 'd', trustee: 'c' },
    ]);
    for (const cell of matrix.pairs) {
      const subject = cell.subject as { truster: string; trustee: string };
      expect(cell).toEqual(model.pairTrust(subject.truster, subject.trustee, { asOf: day(45) }));
    }
  });

  it('ranks its members with bands and allies only the trusted', () => {
    const ranking = model.ranking('delta', { asOf: day(45) });
    expect(ranking.map((r) => [r.city, r.band])).toEqual([
      ['b', 'trusted'],
      ['d', 'unrated'],
      ['c', 'low'],
    ]);
    expect(model.alliance('delta', { asOf: day(45) }).members).toEqual(['b']);
    expect(model.alliance('delta', { asOf: day(1) }).members).toEqual([]);
  });

  it('refuses a matrix too large to answer', () => {
    const members = Array.from({ length: 300 }, (_, i) => `city-${i}`);
    expect(() => model.bodyMatrix({ members })).toThrow(RangeError);
  });
});

describe('the time index', () => {
  it('answers sums as of any instant after back-dated insertions and withdrawals', () => {
    const index = new TimeIndex(2);
    const naive: { key: number; id: number; value: number }[] = [];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let id = 1; id <= 200; id++) {
      const key = next() % 50;
      const value = (next() % 1000) / 10;
      const delta = newCoefVector();
      delta[0] = value;
      index.add(key, id, delta);
      naive.push({ key, id, value });
      if (id % 7 === 0) {
        const victim = naive.splice(next() % naive.length, 1)[0];
        expect(index.remove(victim.key, victim.id)).toBe(true);
      }
    }
    const out = newCoefVector();
    for (let asOf = -1; asOf <= 50; asOf++) {
      index.sumAt(asOf, out);
      const expected = naive.filter((d) => d.key <= asOf).reduce((sum, d) => sum + d.value, 0);
      expect(Math.abs(out[0] - expected)).toBeLessThan(1e-6);
    }
    expect(index.remove(99, 1)).toBe(false);
  });
});

describe('canonical state', () => {
  it('is JSON and the same for the same history', () => {
    const h = new GovernanceHistory();
    h.bodyEstablished('delta', ['a', 'b'], day(0));
    h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '10.00', madeMs: day(0), dueMs: day(10) });
    h.fulfilled('c1', day(5));
    const state = JSON.stringify(modelOf(h).canonicalState());
    expect(JSON.stringify(modelOf(h).canonicalState())).toBe(state);
    expect(JSON.parse(state)).toMatchObject({ parameterSet: 'cfbt-1', cities: ['a', 'b'] });
  });
});

describe('a ledger spanning centuries', () => {
  it('keeps factored decay sums in range by moving the reference epoch, without changing any answer', () => {
    const h = new GovernanceHistory();
    const early = Date.parse('1000-01-01T00:00:00Z');
    const late = Date.parse('2150-01-01T00:00:00Z');
    h.commitmentMade({ commitmentId: 'old', obligor: 'b', obligee: 'a', value: '0', madeMs: early, dueMs: early + 10 * DAY });
    h.fulfilled('old', early + 5 * DAY);
    h.commitmentMade({ commitmentId: 'new', obligor: 'b', obligee: 'a', value: '0', madeMs: late, dueMs: late + 10 * DAY });
    h.defaulted('new', late + 5 * DAY);
    const model = modelOf(h);
    close(model.cityTrust('b', { asOf: early + 5 * DAY }).r, 1);
    close(model.pairTrust('a', 'b', { asOf: early + 370 * DAY }).r, 2 ** (-365 / 365));
    const now = model.cityTrust('b', { asOf: late + 5 * DAY });
    close(now.s, 2);
    expect(now.r).toBeLessThan(1e-300);
    expect(Number.isFinite(now.trust)).toBe(true);
  });
});

describe('an explained answer for a city with a very long history', () => {
  it('lists the newest contributions up to the limit, counts the rest, and still scores all the evidence', () => {
    const h = new GovernanceHistory();
    const count = MAX_CONTRIBUTIONS + 5;
    for (let i = 0; i < count; i++) {
      h.commitmentMade({ commitmentId: `c${i}`, obligor: 'b', obligee: 'a', value: '0', madeMs: day(0) + i * 60_000, dueMs: day(10) });
      h.fulfilled(`c${i}`, day(1) + i * 60_000);
    }
    const answer = modelOf(h).cityTrust('b', { asOf: day(30), explain: true });
    const rows = answer.contributions ?? [];
    expect(rows).toHaveLength(MAX_CONTRIBUTIONS);
    expect(answer.omittedContributions).toBe(5);
    expect(rows[0].at).toBe(new Date(day(1) + 5 * 60_000).toISOString());
    expect(answer.r).toBeGreaterThan(rows.reduce((sum, c) => sum + c.r, 0));
  });
});

describe('canonical state digests', () => {
  const base = (): GovernanceHistory => {
    const h = new GovernanceHistory();
    h.commitmentMade({ commitmentId: 'c1', obligor: 'b', obligee: 'a', value: '10.00', madeMs: day(0), dueMs: day(10) });
    h.finding({ findingId: 'f1', cityId: 'b', counterparty: 'a', kind: 'concealment', severity: 1, atMs: day(2) });
    return h;
  };

  it('changes when a commitment’s life changes, and counts what it covers', () => {
    const open = base();
    const kept = base();
    kept.fulfilled('c1', day(5));
    const a = modelOf(open).canonicalState();
    const b = modelOf(kept).canonicalState();
    expect(a.commitments.count).toBe(1);
    expect(a.findings.count).toBe(1);
    expect(b.commitments.sha256).not.toBe(a.commitments.sha256);
    expect(b.findings.sha256).toBe(a.findings.sha256);
  });

  it('is the same for a model asked along the way as for one asked once at the end', () => {
    const h = base();
    for (let i = 0; i < 40; i++) h.commitmentMade({ commitmentId: `k${(i * 7919) % 40}`, obligor: 'a', obligee: 'b', value: '1.00', madeMs: day(i), dueMs: day(i + 5) });
    const asked = new TrustReadModel(CFBT_1, new FakeClock(day(1000)));
    h.events.forEach((event, i) => {
      asked.apply(event);
      if (i % 9 === 0) asked.canonicalState();
    });
    expect(asked.canonicalState()).toEqual(modelOf(h).canonicalState());
  });

  it('changes when a finding is revoked', () => {
    const revoked = base();
    revoked.revoked('f1', day(3));
    expect(modelOf(revoked).canonicalState().findings.sha256).not.toBe(modelOf(base()).canonicalState().findings.sha256);
  });
});

describe('a time index that keeps only some coefficients', () => {
  it('answers and rebases its own coefficients and leaves the others to the caller', () => {
    const index = new TimeIndex(1, FINDING_COEFFICIENTS);
    const delta = newCoefVector();
    delta[Coef.F] = 6;
    delta[Coef.R] = 99;
    index.add(day(1), -1, delta);
    index.add(day(3), -2, delta);
    const out = newCoefVector().fill(7);
    index.sumAt(day(2), out);
    expect([...out]).toEqual([7, 7, 7, 7, 6]);
    index.rebase([1, 1, 1, 1, 0.5], 10);
    index.sumAt(day(3), out);
    expect(out[Coef.F]).toBe(6);
    expect(index.remove(day(1), -1)).toBe(true);
    index.sumAt(day(3), out);
    expect(out[Coef.F]).toBe(3);
  });
});

/** A snapshot's rows as its file gives them back: binary rows as bytes, the rest through JSON. */
function throughFile(rows: readonly unknown[]): unknown[] {
  const bytes = (view: ArrayBufferView): Buffer => Buffer.from(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return rows.map((row) => {
    if (row instanceof SnapshotBytes) return Buffer.concat(row.pieces.map((_, i) => bytes(row.bytesOf(i))));
    if (ArrayBuffer.isView(row)) return bytes(row);
    return JSON.parse(JSON.stringify(row)) as unknown;
  });
}

describe('a snapshot of a city whose evidence spans many chunks of its time index', () => {
  it('restores to a model that goes on bit for bit like the model that wrote it', () => {
    // The HTTP benchmark's pattern: commitments made minute after minute, all due on one day, so each one's
    // provisional evidence (at due + lead) lands before that of every commitment made earlier.
    const h = new GovernanceHistory();
    const made = (from: number, until: number): void => {
      for (let i = from; i < until; i++) h.commitmentMade({ commitmentId: `c${i}`, obligor: 'b', obligee: i % 3 === 0 ? 'a' : 'c', value: '100.00', madeMs: day(0) + i * 60_000, dueMs: day(30) });
    };
    const count = 4 * MAX_CHUNK_ROWS;
    made(0, count);
    const cut = h.events.length;
    // Late fulfilments withdraw provisional evidence from the middle of the index; more commitments go on inserting.
    for (let i = 0; i < count; i += 3) h.fulfilled(`c${i}`, day(35) + i * 60_000);
    made(count, count + MAX_CHUNK_ROWS);
    const model = (): TrustReadModel => new TrustReadModel(CFBT_1, new FakeClock(day(1000)));
    const original = model();
    for (const event of h.events.slice(0, cut)) original.apply(event);
    const written = throughFile(original.snapshot());
    const evidence = written.find((row) => Array.isArray(row) && row[0] === 'evidence') as [string, unknown[][]];
    expect(evidence[1].some((entry) => Array.isArray(entry[3]) && entry[3].length > 2)).toBe(true);

    const restored = model();
    restored.restore(written);
    for (const event of h.events.slice(cut)) {
      original.apply(event);
      restored.apply(event);
    }
    for (const asOf of [day(20), day(31), day(40), day(60), day(400)]) {
      expect(restored.cityTrust('b', { asOf })).toEqual(original.cityTrust('b', { asOf }));
      expect(restored.pairTrust('a', 'b', { asOf, basis: 'occurred' })).toEqual(original.pairTrust('a', 'b', { asOf, basis: 'occurred' }));
    }
    // The same chunks, bases and sums, to the bit.
    expect(throughFile(restored.snapshot())).toEqual(throughFile(original.snapshot()));
  });
});
