import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { TRUST_BASES } from './evidence.js';
import { TrustReadModel } from './trust-read-model.js';
import { answerVectorQuery, vectorEventsToRecorded, type TrustVector } from './vectors.js';

const TOLERANCE = 1e-6;

/** The shared spec lives beside the repository (../shared/spec); CONCORDAT_VECTORS points elsewhere when needed. */
function loadTrustVectors(): TrustVector[] {
  const candidates = [
    process.env.CONCORDAT_VECTORS,
    resolve(process.cwd(), '../shared/spec/trust-compensation-vectors.json'),
    resolve(process.cwd(), 'test/vectors/trust-compensation-vectors.json'),
  ].filter((p): p is string => p !== undefined);
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`trust vectors not found; looked in ${candidates.join(', ')}`);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { trust: TrustVector[] };
  return parsed.trust;
}

/** Vector field → the answer's field. */
function answerField(answer: Record<string, unknown>, field: string): unknown {
  const interval = answer.interval as [number, number];
  switch (field) {
    case 'base_rate':
      return answer.baseRate;
    case 'trust_lower':
      return interval[0];
    case 'trust_upper':
      return interval[1];
    case 'score_0_100':
      return answer.score0To100;
    default:
      return answer[field];
  }
}

const CONTRIBUTION_FIELDS: Record<string, string> = { commitment_id: 'commitmentId', lateness_ratio: 'latenessRatio', event_id: 'eventId' };

function expectClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    const value = typeof actual === 'string' ? Number(actual) : actual;
    if (typeof value !== 'number' || !(Math.abs(value - expected) <= TOLERANCE)) {
      throw new Error(`${where}: expected ${expected}, got ${String(actual)}`);
    }
  } else if (actual !== expected) {
    throw new Error(`${where}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

const vectors = loadTrustVectors();

describe('trust vectors (TRUST_MODEL.md, cfbt-1), fed to the read model as governance events', () => {
  it('covers every public trust vector', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(8);
  });

  for (const vector of vectors) {
    for (const basis of TRUST_BASES) {
      it(`${vector.name} on the ${basis} basis: ${vector.description}`, () => {
        const model = new TrustReadModel();
        for (const event of vectorEventsToRecorded(vector.events)) model.apply(event);
        expect(vector.queries).toHaveLength(vector.expected.length);
        vector.queries.forEach((query, q) => {
          const answer = answerVectorQuery(model, query, basis);
          const expected = vector.expected[q];
          expect(answer.parameterSet).toBe('cfbt-1');
          for (const [field, value] of Object.entries(expected)) {
            if (field === 'contributions' || field === 'anomalies') continue;
            expectClose(answerField(answer as unknown as Record<string, unknown>, field), value, `query ${q} ${field}`);
          }
          const rows = expected.contributions as Record<string, unknown>[] | undefined;
          if (rows !== undefined) {
            const actual = answer.contributions ?? [];
            expect(actual).toHaveLength(rows.length);
            rows.forEach((row, i) => {
              const got = actual[i] as unknown as Record<string, unknown>;
              for (const [field, value] of Object.entries(row)) {
                expectClose(got[CONTRIBUTION_FIELDS[field] ?? field], value, `query ${q} contribution ${i} ${field}`);
              }
            });
          }
          const anomalies = expected.anomalies as unknown[] | undefined;
          if (anomalies !== undefined) expect(answer.anomalies).toHaveLength(anomalies.length);
          else expect(answer.anomalies).toEqual([]);
        });
      });
    }
  }
});
