/**
 * The demo ledger: a small run of the generator over the Yangtze River Delta (长三角), one body of all its cities and
 * one of the Taihu basin, a year of history ending at the anchor. What `concordat demo` loads, what `npm start` with
 * CONCORDAT_DEMO=1 loads into an empty store, and what the dashboard's end-to-end tests start from.
 */
import type { FakeClock } from '../../../event-store/src/clock.js';
import type { EventStore } from '../../../event-store/src/port.js';
import { DEFAULT_ANCHOR, generateLedger, type BodyPlan, type GenerationReport } from './generator.js';
import { YANGTZE_RIVER_DELTA, type Place } from './places.js';

export const DEMO_DEFAULTS = { seed: 7, cities: 16, events: 400, years: 1 } as const;
export const DEMO_LIMITS = { minCities: 4, maxCities: YANGTZE_RIVER_DELTA.cities.length, maxEvents: 100_000 } as const;

/** The Taihu basin's cities, when the demo includes them. */
const TAIHU = ['shanghai', 'suzhou', 'wuxi', 'changzhou', 'huzhou', 'jiaxing'] as const;

export interface DemoOptions {
  seed?: number;
  /** Cities of the Yangtze River Delta to take, core cities first (4 to 20). Default 16. */
  cities?: number;
  /** Events to write (default 400). */
  events?: number;
  /** The last business instant (default the generator's fixed anchor; the server passes its own now). */
  anchor?: string;
  /** The store's clock, for deterministic recordedAt (tests). */
  clock?: FakeClock | null;
}

export interface DemoReport extends GenerationReport {
  bodyPlans: BodyPlan[];
}

/** The demo's cities and bodies. */
export function demoPlan(cities: number): { cities: Place[]; bodies: BodyPlan[] } {
  if (!Number.isSafeInteger(cities) || cities < DEMO_LIMITS.minCities || cities > DEMO_LIMITS.maxCities) {
    throw new RangeError(`cities must be an integer between ${DEMO_LIMITS.minCities} and ${DEMO_LIMITS.maxCities}`);
  }
  const chosen = YANGTZE_RIVER_DELTA.cities.slice(0, cities);
  const ids = new Set(chosen.map((c) => c.id));
  const taihu = TAIHU.filter((id) => ids.has(id));
  const bodies: BodyPlan[] = [
    { id: 'yrd', name: '长三角跨界突发事件联防联控委员会 Yangtze River Delta Joint Emergency Committee', members: chosen.map((c) => c.id) },
  ];
  if (taihu.length >= 3) bodies.push({ id: 'taihu', name: '太湖流域水污染防治协调小组 Taihu Basin Water Pollution Coordination Group', members: taihu });
  return { cities: chosen, bodies };
}

/** Loads the demo ledger into `store`, which must be empty. */
export async function loadDemo(store: EventStore, options: DemoOptions = {}): Promise<DemoReport> {
  const events = options.events ?? DEMO_DEFAULTS.events;
  if (!Number.isSafeInteger(events) || events < 1 || events > DEMO_LIMITS.maxEvents) throw new RangeError(`events must be an integer between 1 and ${DEMO_LIMITS.maxEvents}`);
  const plan = demoPlan(options.cities ?? DEMO_DEFAULTS.cities);
  const report = await generateLedger(store, {
    seed: options.seed ?? DEMO_DEFAULTS.seed,
    events,
    plan,
    anchor: options.anchor ?? DEFAULT_ANCHOR,
    years: DEMO_DEFAULTS.years,
    clock: options.clock ?? null,
  });
  return { ...report, bodyPlans: plan.bodies };
}
