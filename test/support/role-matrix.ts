/**
 * The shape of a role matrix over HTTP, shared by the contexts' suites: each command route names the callers allowed
 * and arranges fresh targets for every case, so one caller's success never decides another's answer.
 */

/** Where a case posts, and what. */
export interface Target {
  path: string;
  body: Record<string, unknown>;
}

export interface RouteCase<App, Officials, Caller extends string> {
  route: string;
  /** The city whose officers are "own" for this route. */
  ownCity: string;
  allowed: readonly Caller[];
  arrange: (g: App, who: Officials, id: string) => Promise<Target>;
}

/** Awaits an arranging request and fails the case loudly when it was refused: a case must test the caller, not its arrangement. */
export async function arranged(pending: PromiseLike<{ status: number; body?: unknown }>): Promise<void> {
  const res = await pending;
  if (res.status >= 300) throw new Error(`arrangement failed with ${res.status}: ${JSON.stringify(res.body)}`);
}
