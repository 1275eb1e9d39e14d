#!/usr/bin/env node
/**
 * Every benchmark in one go: `npm run bench [-- --quick]`.
 *
 * Runs each benchmark (store, trust, verify, HTTP, cold start, queries) in its own child process with a time bound,
 * then writes ONE JSON (bench/results/summary.json) and ONE markdown table (bench/results/summary.md) with every
 * figure, its target and whether it was met. A benchmark that fails or runs out of time is reported as such; a
 * missed target is shown with the figure measured. --quick: 100,000-event ledgers and shorter runs, written under
 * bench/results/quick/ so the full figures stay as they are.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const events = quick ? 100_000 : 1_000_000;
const resultsDir = join(root, 'bench', 'results');
const outDir = quick ? join(resultsDir, 'quick') : resultsDir;
const MIN = 60_000;

/** name, script, arguments, whether it takes --out for its result, time bound. The others write to bench/results. */
const steps = [
  // fsync-bound: 20,000 durable single appends per contender (five interleaved rounds) already take minutes.
  { name: 'store', script: 'store.bench.js', args: ['--events', '20000'], out: true, timeoutMs: 20 * MIN },
  { name: 'trust', script: 'trust.bench.js', args: ['--events', String(events)], out: false, timeoutMs: 25 * MIN },
  // verify's --out names the export phase's file: its result always goes to bench/results/verify.json.
  { name: 'verify', script: 'verify.bench.js', args: ['--events', String(events)], out: false, timeoutMs: 25 * MIN },
  { name: 'http', script: 'http.bench.js', args: ['--duration', quick ? '10' : '30'], out: true, timeoutMs: 6 * MIN },
  { name: 'coldstart', script: 'coldstart.bench.js', args: ['--events', String(events)], out: true, timeoutMs: 45 * MIN },
  { name: 'queries', script: 'queries.bench.js', args: ['--events', String(events)], out: true, timeoutMs: 25 * MIN },
];
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');

function runStep(step) {
  const resultPath = join(outDir, `${step.name}.json`);
  const args = [join(root, 'dist', 'bench', step.script), ...step.args, ...(step.out ? ['--out', resultPath] : [])];
  const started = Date.now();
  process.stderr.write(`\n== ${step.name}: node ${args.map((a) => a.replace(root + '/', '')).join(' ')} (bound ${step.timeoutMs / MIN} min)\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=3072', ...args], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, step.timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      // A bench without --out writes to bench/results/<name>.json: in quick mode it is moved aside (and the full
      // result it replaced is put back), so quick figures never overwrite full ones.
      const written = step.out ? resultPath : join(resultsDir, `${step.name}.json`);
      const fresh = existsSync(written) && statSync(written).mtimeMs >= started - 1000;
      let result = null;
      if (fresh && code === 0) {
        result = JSON.parse(readFileSync(written, 'utf8'));
        if (!step.out && quick) {
          renameSync(written, resultPath);
          if (backups.has(step.name)) writeFileSync(written, backups.get(step.name));
        }
      }
      resolve({ name: step.name, ok: code === 0 && result !== null, exit: code, signal, timedOut, ms, result });
    });
  });
}

const backups = new Map();
for (const step of steps) {
  const fixed = join(resultsDir, `${step.name}.json`);
  if (!step.out && quick && existsSync(fixed)) backups.set(step.name, readFileSync(fixed));
}

mkdirSync(outDir, { recursive: true });
const runs = [];
for (const step of steps) {
  if (only === undefined || only.includes(step.name)) {
    runs.push(await runStep(step));
    continue;
  }
  // Not run this time (--only): its last result, if there is one, still belongs in the summary, marked as earlier.
  const earlier = join(outDir, `${step.name}.json`);
  if (existsSync(earlier)) runs.push({ name: step.name, ok: true, earlier: statSync(earlier).mtime.toISOString(), result: JSON.parse(readFileSync(earlier, 'utf8')) });
}

// ---- figures -------------------------------------------------------------------------------------------------------
const rows = [];
const row = (group, figure, measured, unit, target, pass, note = '') => rows.push({ group, figure, measured, unit, target, pass, note });
const byName = Object.fromEntries(runs.map((r) => [r.name, r]));
const failed = (name) => {
  const r = byName[name];
  if (r === undefined) return 'not run';
  if (r.ok) return null;
  if (r.timedOut) return `timed out after ${Math.round(r.ms / 1000)} s`;
  return r.exit === 0 ? 'exited 0 but wrote no result' : `failed (exit ${r.exit ?? r.signal})`;
};
const round = (v, d = 1) => (typeof v === 'number' && Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : null);

for (const name of ['store', 'trust', 'verify', 'http', 'coldstart', 'queries']) {
  const why = failed(name);
  if (why !== null) row(name, `${name} benchmark`, null, '', '', false, why);
}
const store = byName.store?.ok ? byName.store.result : null;
if (store !== null) {
  const s = store.eventsPerSecond.singleEventDurableAppends;
  const g = store.eventsPerSecond.singleEventDurableAppendsGroupCommit;
  row('store', 'single-command durable appends/s (concordat SQLite, FULL)', round(s.concordat, 0), 'appends/s', '', null, `raw better-sqlite3 ${round(s.raw, 0)}/s, Emmett ${round(s.emmett, 0)}/s`);
  row('store', 'single-command durable appends vs Emmett, one appender', round(s.concordat / s.emmett, 2), '×', '≥ 3', s.concordat / s.emmett >= 3, 'one appender awaiting each acknowledgement: one fsync per append in every store, raw SQLite included');
  row('store', `concurrent durable appends/s (${g.writers} writers, group commit)`, round(g.concordat, 0), 'appends/s', '', null);
  const c = store.eventsPerSecond.concurrentSingleEventAppends;
  if (c !== undefined) {
    row('store', `single-command durable appends vs Emmett, ${c.writers} concurrent appenders`, round(c.concordatGroupCommit / c.emmett, 2), '×', '≥ 3', store.ratios.concurrentVsEmmett.met, `Emmett ${round(c.emmett, 0)}/s durable (one append at a time on its connection); ${round(c.emmettUnserializedNotDurable, 0)}/s unserialized, acknowledged before COMMIT`);
  }
  row('store', 'concurrent durable appends vs one fsync per command', round(g.concordat / s.concordat, 2), '×', '≥ 4', g.concordat / s.concordat >= 4, 'store level: 64 appenders vs one appender awaiting each fsync');
  const b = store.eventsPerSecond.batchAppends1000;
  row('store', '1000-event batch appends', round(b.concordat, 0), 'events/s', `≥ 0.8 × raw (${round(b.raw, 0)})`, store.ratios.batchVsRaw.met);
  const r = store.eventsPerSecond.readAll;
  row('store', 'read all', round(r.concordat, 0), 'events/s', `≥ 2 × Emmett (${round(r.emmett, 0)})`, store.ratios.readVsEmmett.met);
}
const trust = byName.trust?.ok ? byName.trust.result : null;
if (trust !== null) {
  for (const [key, q] of Object.entries(trust.queries)) {
    if (typeof q.targetP99Ms === 'number') row('trust', `${key} p99 (p50 ${round(q.p50Ms, 4)} ms) at ${trust.dataset.events} events`, round(q.p99Ms, 4), 'ms', `≤ ${q.targetP99Ms}`, q.met);
  }
}
const verify = byName.verify?.ok ? byName.verify.result : null;
if (verify !== null) {
  const v = verify.verify;
  row('verify', `offline verifier at ${verify.events} events, ${v.workers} workers`, v.verifierWithWorkersEventsPerSec, 'events/s', `≥ 0.8 × raw SHA-256 chain (${v.rawChainEventsPerSec}/s over bytes)`, v.pass, `ratio ${v.ratio}; in one thread ${v.verifierInThreadEventsPerSec}/s; ${v.ratioVsReadlineRaw}× the raw chain read with readline (${v.rawChainReadlineEventsPerSec}/s)`);
  row('verify', 'export peak RSS', verify.export.peakRssMiB, 'MiB', `≤ ${verify.export.targetPeakRssMiB}`, verify.export.pass);
}
const http = byName.http?.ok ? byName.http.result : null;
if (http !== null) {
  row('http', `commands/s, ${http.connections} connections (POST /commitments, SQLite FULL)`, http.commandsPerSecond, 'commands/s', `≥ ${http.targets.commandsPerSecond}`, http.pass.throughput, `median of ${http.rounds?.length ?? 1} rounds (${(http.rounds ?? [http]).map((r) => r.commandsPerSecond).join(' / ')}); ${http.ok2xx} ok, ${http.non2xx} non-2xx, ${http.errors} errors in that round`);
  row('http', 'command latency p50', http.latencyMs.p50, 'ms', '', null);
  row('http', 'command latency p99', http.latencyMs.p99, 'ms', `≤ ${http.targets.p99Ms}`, http.pass.p99);
  // Results written before the server's CPU was measured have none.
  if (http.serverCpuUsPerCommand) {
    row('http', "server CPU per command, its main thread (the event loop)", http.serverCpuUsPerCommand.mainThread, 'µs', '', null, `${http.serverCpuUsPerCommand.process} µs in all its threads`);
  }
}
const coldstart = byName.coldstart?.ok ? byName.coldstart.result : null;
if (coldstart !== null) {
  row('coldstart', `first start to /health ok (${coldstart.ledger.events} events, no snapshot)`, coldstart.firstStartMs, 'ms', '', null);
  row('coldstart', `restart to /health ok (${coldstart.ledger.events} events)`, coldstart.restartMs, 'ms', `≤ ${coldstart.targets.restartMs}`, coldstart.pass.restart);
  const settled = coldstart.settledRssMiB ?? {};
  row('coldstart', 'server RSS at /health ok, and after the restart settled', Math.max(coldstart.rssMiB.firstStart ?? 0, coldstart.rssMiB.restart ?? 0, settled.restart ?? 0), 'MiB', `≤ ${coldstart.targets.rssMiB}`, coldstart.pass.rss);
  if (coldstart.peakRssMiB !== undefined) {
    // The peaks include the first start's replay and its first round of snapshots: reported against the same bound.
    const peak = Math.max(coldstart.peakRssMiB.firstStart ?? 0, coldstart.peakRssMiB.restart ?? 0);
    row('coldstart', 'server peak RSS (first start: replay, then its first snapshots; restart)', peak, 'MiB', `≤ ${coldstart.targets.rssMiB}`, peak > 0 && peak <= coldstart.targets.rssMiB);
  }
}
const queries = byName.queries?.ok ? byName.queries.result : null;
if (queries !== null) {
  for (const [key, q] of Object.entries(queries.queries)) {
    row('queries', `${key} p99 (p50 ${q.p50Ms} ms) at ${queries.ledger.events} events`, q.p99Ms, 'ms', typeof q.targetP99Ms === 'number' ? `≤ ${q.targetP99Ms}` : '', typeof q.pass === 'boolean' ? q.pass : null);
  }
}

const judged = rows.filter((r) => r.pass !== null);
const summary = {
  benchmark: 'all',
  mode: quick ? 'quick' : 'full',
  events,
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: availableParallelism(), cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverage1mAtEnd: round(loadavg()[0], 2) },
  runs: runs.map(({ result: _result, ...r }) => r),
  met: judged.filter((r) => r.pass === true).length,
  missed: judged.filter((r) => r.pass === false).length,
  figures: rows,
};
writeFileSync(join(outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
const cell = (v) => (v === null || v === undefined ? '—' : String(v).replace(/\|/g, '\\|'));
const md = [
  `# concordat benchmarks (${summary.mode}, ${summary.date.slice(0, 16)}Z)`,
  '',
  `Node ${summary.node}, ${summary.machine.cpus} CPUs (${summary.machine.cpuModel}), ${summary.machine.memoryGiB} GiB; load average at the end ${summary.machine.loadAverage1mAtEnd} (a shared machine: figures are noisy).`,
  `Targets met: ${summary.met} of ${judged.length}. Produced by \`npm run bench${quick ? ' -- --quick' : ''}\`; details in bench/results/${quick ? 'quick/' : ''}<name>.json.`,
  ...(runs.some((r) => r.earlier !== undefined) ? [`Not run this time, figures of an earlier run: ${runs.filter((r) => r.earlier !== undefined).map((r) => `${r.name} (${r.earlier.slice(0, 16)}Z)`).join(', ')}.`] : []),
  '',
  '| group | figure | measured | unit | target | met | note |',
  '|---|---|---:|---|---|---|---|',
  ...rows.map((r) => `| ${r.group} | ${cell(r.figure)} | ${cell(r.measured)} | ${cell(r.unit)} | ${cell(r.target)} | ${r.pass === null ? '' : r.pass ? 'yes' : '**no**'} | ${cell(r.note)} |`),
  '',
];
writeFileSync(join(outDir, 'summary.md'), md.join('\n'));
process.stdout.write(md.join('\n'));
process.exitCode = runs.every((r) => r.ok) ? 0 : 1;
