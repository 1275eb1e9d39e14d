// Readiness: the replica takes traffic only once its read models have caught up with the log. GET /health/ready
// answers 200 then, and 503 problem+json (`not_ready` while catching up, `read_models_unavailable` once stopped) before.
// For compose, whose node image has no curl; Kubernetes probes /health/ready over HTTP directly.
const port = process.env.PORT ?? '3000';
const timeout = AbortSignal.timeout(2_000);
try {
  const response = await fetch(`http://127.0.0.1:${port}/health/ready`, { signal: timeout });
  process.exit(response.status === 200 ? 0 : 1);
} catch {
  process.exit(1);
}
