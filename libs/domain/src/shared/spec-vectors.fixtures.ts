/**
 * The public test vectors (shared/spec/trust-compensation-vectors.json) for specs and end-to-end suites. The spec lives
 * beside the repository (../shared/spec); CONCORDAT_VECTORS points elsewhere when needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FindingKind } from '../governance/events.js';

export interface CostSharingVector {
  name: string;
  input: {
    origin: string;
    verified_costs: Record<string, string>;
    origin_findings: FindingKind[];
    affected_findings: Record<string, FindingKind[]>;
    theta_base: string;
    theta_cap: string;
    fund_cover: string;
  };
  expected: {
    theta: string;
    eligible_cost: Record<string, string>;
    origin_liability_total: string;
    origin_pays: Record<string, string>;
    fund_pays_total: string;
    fund_pays: Record<string, string>;
    city_bears: Record<string, string>;
  };
}

export interface RoundingVector {
  name: string;
  cases: { total: string; weights: Record<string, string>; expected: Record<string, string> }[];
}

/** One section of the vectors file, as published (its shape is the spec's, named by `T`). */
export function readSpecVectors<T>(section: 'trust' | 'compensation'): T[] {
  const candidates = [
    process.env.CONCORDAT_VECTORS,
    resolve(process.cwd(), '../shared/spec/trust-compensation-vectors.json'),
    resolve(process.cwd(), 'test/vectors/trust-compensation-vectors.json'),
  ].filter((p): p is string => p !== undefined);
  const path = candidates.find((p) => existsSync(p));
  if (path === undefined) throw new Error(`${section} vectors not found; looked in ${candidates.join(', ')}`);
  const sections = JSON.parse(readFileSync(path, 'utf8')) as Partial<Record<typeof section, T[]>>;
  const vectors = sections[section];
  if (!Array.isArray(vectors)) throw new Error(`${path} has no "${section}" section`);
  return vectors;
}

/** The compensation section, split into the cost-sharing and the rounding vectors. */
export function compensationVectors(): { costSharing: CostSharingVector[]; rounding: RoundingVector[] } {
  const all = readSpecVectors<CostSharingVector | RoundingVector>('compensation');
  return { costSharing: all.filter((v): v is CostSharingVector => 'input' in v), rounding: all.filter((v): v is RoundingVector => 'cases' in v) };
}
