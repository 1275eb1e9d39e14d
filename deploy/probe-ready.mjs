// Readiness: the replica serves only once its read models have caught up with the log (/health status "ok").
// "catching-up" answers 200 on /health (the process is alive) but must not receive traffic yet.
const port = process.env.PORT ?? '3000';
const timeout = AbortSignal.timeout(2_000);
try {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: timeout });
  const body = response.ok ? await response.json() : null;
  process.exit(body !== null && body.status === 'ok' ? 0 : 1);
} catch {
  process.exit(1);
}
