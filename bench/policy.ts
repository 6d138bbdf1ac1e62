/**
 * `npm run bench:policy`: the cost of tool-call policies per call, in process (a measurement, not a
 * test: it always exits 0). Three policy sets of 50 on a gateway, each evaluated for one call the
 * way the proxy does it (the set narrowed to the called tool once, then `decide` per call):
 *
 * - realistic: 50 policies, each about a tool or server (as admins write them), 2 of them about the
 *   tool called (one by argument, one by team), the rest about other tools;
 * - trifecta: the shipped "no external send in a tainted session" template among 49 others;
 * - worst: 50 policies that all read the arguments and the caller, none decidable in advance.
 *
 * Medians of `BENCH_POLICY_ROUNDS` rounds of `BENCH_POLICY_CALLS` decisions each, against a baseline
 * of the same loop with no policies, printed side by side.
 */
import { CompiledPolicies, type PolicyInput, type SnapshotPolicy } from '@toolgate/core/policy';
import { compileDetectors, DETECTOR_NAMES } from '@toolgate/core/dlp';
import { policyBenchEnv } from './env.ts';
import { POLICY_SETS } from './policy-sets.ts';

const { BENCH_POLICY_CALLS: CALLS, BENCH_POLICY_ROUNDS: ROUNDS } = policyBenchEnv();

const input: PolicyInput = {
  tool: {
    name: 'send_email',
    exposedName: 'mail__send_email',
    server: 'mail',
    annotations: { destructiveHint: false },
    labels: ['external-send'],
  },
  args: { to: 'ann@partner.example', subject: 'Quarterly numbers', body: 'x'.repeat(200) },
  caller: {
    userId: 'u-1',
    email: 'bob@corp.example',
    emailDomain: 'corp.example',
    role: 'member',
    teams: ['sales', 'emea'],
    authMethod: 'oauth',
    client: 'claude-desktop',
    tokenId: '',
  },
  gateway: { slug: 'main' },
  session: { tainted: false, labels: ['untrusted-output'] },
  request: { time: new Date() },
};

const sets = POLICY_SETS;

function measure(policies: SnapshotPolicy[]): number {
  const narrowed = new CompiledPolicies(policies).forTool(input.tool, input.gateway);
  let sink = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    if (narrowed.empty) continue;
    if (narrowed.decide(input).action !== 'allow') sink++;
  }
  const ns = Number(process.hrtime.bigint() - started) / CALLS;
  if (sink < 0) console.log(sink);
  return ns;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log(`policy evaluation: ${CALLS} decisions per round, ${ROUNDS} rounds, medians (ns per call)\n`);
const baseline: number[] = [];
const results: Record<string, number[]> = Object.fromEntries(Object.keys(sets).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  baseline.push(measure([]));
  for (const [name, policies] of Object.entries(sets)) results[name]!.push(measure(policies));
}
const base = median(baseline);
console.log(`| set (50 policies) | ns per call | µs per call | vs no policies | target ≤ 5 µs |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
console.log(`| none (baseline) | ${base.toFixed(0)} | ${(base / 1000).toFixed(3)} | 1.00× | |`);
for (const [name, values] of Object.entries(results)) {
  const ns = median(values);
  console.log(
    `| ${name} | ${ns.toFixed(0)} | ${(ns / 1000).toFixed(3)} | ${(ns / Math.max(base, 1)).toFixed(1)}× | ${ns <= 5_000 ? 'met' : 'MISSED'} |`,
  );
}

/*
 * DLP: the cost of guardrail detectors on a tool result, in process, as the proxy will run them
 * (a Scanner compiled once per guardrail, then `redact` or `scanValue` per result;
 * packages/core/src/dlp). Each sample is an MCP `tools/call` result of about 4 KB:
 *
 * - realistic: a ticket search answered as JSON text: prose, dates, versions, ids, amounts, a
 *   tracking number and build numbers that are not cards, three email addresses;
 * - realistic, structured: the same tickets as `structuredContent` (many short strings);
 * - dense: 4 KB of prose packed with findings of every kind (emails, phones, cards, IBANs, SSNs,
 *   IPv4/IPv6, secrets), the worst case for validation and rewriting;
 * - realistic + 3 tenant patterns: the realistic text with three custom RE2 patterns as well.
 *
 * Medians of `BENCH_POLICY_ROUNDS` rounds of `BENCH_POLICY_CALLS / 20` scans, against a baseline of
 * the same loop without DLP.
 */
const DLP_CALLS = Math.max(1_000, Math.round(CALLS / 20));
const ALL_DETECTORS = DETECTOR_NAMES.filter((name) => name !== 'custom');

function ticketSearch(): Record<string, unknown> {
  const titles = [
    'Login fails after password reset',
    'Duplicate charge on invoice',
    'Dashboard latency',
    'Renewal call',
  ];
  const bodies = [
    'Customer reports that the export job stalls at 87% after upgrading to 4.12.3; logs attached. Reproduced on build 20261103142 with 2 workers.',
    'Invoice 2026-0042 was charged twice (order 1029384756, amount 1,249.50 EUR). Please refund one of them before 15/11/2026.',
    'The dashboard shows 3,482 active users and 12 errors per minute since 09:14 UTC; see https://status.example.com/incidents/8812 for details.',
    'Follow-up with the account owner next week; they asked about the Q3 roadmap and SSO with SAML 2.0 (tracking 7730018842991023).',
  ];
  const reporters = ['maria.lopez@example.com', 'j.smith@corp.example', 'ops-team@example.org'];
  const tickets = Array.from({ length: 11 }, (_, i) => ({
    id: `TCK-${10482 + i}`,
    title: titles[i % 4],
    status: i % 3 ? 'open' : 'closed',
    priority: (i % 4) + 1,
    created_at: `2026-11-${String((i % 28) + 1).padStart(2, '0')}T09:14:22Z`,
    reporter: i < 3 ? reporters[i] : `user${i}`,
    version: `4.${i}.3`,
    build: 20261103142 + i,
    body: bodies[i % 4],
  }));
  return { total: tickets.length, page: 1, tickets };
}

function denseText(): string {
  const parts = [
    'Contact anna.berg@example.com or +44 20 7946 0958.',
    'Card 4111 1111 1111 1111 exp 12/28.',
    'IBAN DE89 3704 0044 0532 0130 00, SSN 123-45-6789.',
    'Server 192.168.10.24 and 2001:db8::8a2e:370:7334 called (415) 555-2671.',
    'api_key: "Zx9Qw7Er5Ty3Ui1Op2As4Df6Gh8Jk0L" and ghp_abcdefghijklmnopqrstuvwxyz0123456789.',
    'Mastercard 5555-5555-5555-4444 and GB82WEST12345698765432 from bob@mail.example.org.',
  ];
  let text = '';
  for (let i = 0; text.length < 4_000; i++) text += `${parts[i % parts.length]} `;
  return text;
}

const tickets = ticketSearch();
const ticketsText = JSON.stringify(tickets);
const dlpSamples = {
  realistic: { content: [{ type: 'text', text: ticketsText }] },
  'realistic, structured': { content: [], structuredContent: tickets },
  dense: { content: [{ type: 'text', text: denseText() }] },
};
const allDetectors = compileDetectors({ detectors: ALL_DETECTORS });
const withPatterns = compileDetectors({
  detectors: ALL_DETECTORS,
  patterns: [
    { name: 'employee_id', pattern: String.raw`\bEMP-\d{5}\b` },
    { name: 'codename', pattern: '(?i)project (falcon|eagle|osprey)' },
    { name: 'internal_host', pattern: String.raw`[a-z0-9-]+\.corp\.internal` },
  ],
});

const dlpCases: { name: string; run: () => unknown }[] = [
  { name: 'realistic: redact', run: () => allDetectors.redact(dlpSamples.realistic) },
  { name: 'realistic: scanValue (log/block)', run: () => allDetectors.scanValue(dlpSamples.realistic) },
  {
    name: 'realistic, structured: redact',
    run: () => allDetectors.redact(dlpSamples['realistic, structured']),
  },
  { name: 'dense: redact', run: () => allDetectors.redact(dlpSamples.dense) },
  { name: 'realistic + 3 tenant patterns: redact', run: () => withPatterns.redact(dlpSamples.realistic) },
];

/** Wall-clock and CPU (user + system) nanoseconds per scan. */
function measureDlp(run: (() => unknown) | undefined): { wall: number; cpu: number } {
  let sink = 0;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < DLP_CALLS; i++) {
    if (run === undefined) continue;
    if (run() === undefined) sink++;
  }
  const cpu = process.cpuUsage(cpuStarted);
  const wall = Number(process.hrtime.bigint() - started) / DLP_CALLS;
  if (sink < 0) console.log(sink);
  return { wall, cpu: ((cpu.user + cpu.system) * 1000) / DLP_CALLS };
}

const sampleBytes = (name: keyof typeof dlpSamples) => Buffer.byteLength(JSON.stringify(dlpSamples[name]));
console.log(
  `\nDLP, all built-in detectors (${ALL_DETECTORS.join(', ')}): ${DLP_CALLS} scans per round, ${ROUNDS} rounds, medians`,
);
console.log(
  `samples (JSON bytes): realistic ${sampleBytes('realistic')}, structured ${sampleBytes('realistic, structured')}, dense ${sampleBytes('dense')}; ` +
    `findings: realistic ${JSON.stringify(allDetectors.scanValue(dlpSamples.realistic))}, dense ${JSON.stringify(allDetectors.scanValue(dlpSamples.dense))}\n`,
);
// Warm-up: the first rounds would otherwise pay for compiling the detectors' code.
for (const c of dlpCases) for (let i = 0; i < Math.max(5_000, DLP_CALLS); i++) c.run();
const dlpBaseline: number[] = [];
const dlpResults = dlpCases.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  dlpBaseline.push(measureDlp(undefined).wall);
  dlpCases.forEach((c, i) => {
    const { wall, cpu } = measureDlp(c.run);
    dlpResults[i]!.wall.push(wall);
    dlpResults[i]!.cpu.push(cpu);
  });
}
const dlpBase = median(dlpBaseline);
// CPU time is shown beside wall time: on a shared machine it is the fairer figure for the code.
console.log(`| result (~4 KB) | µs per result | CPU µs per result | vs no DLP | target ≤ 30 µs |`);
console.log(`| --- | ---: | ---: | ---: | --- |`);
console.log(`| no DLP (baseline) | ${(dlpBase / 1000).toFixed(2)} | | | |`);
dlpCases.forEach((c, i) => {
  const ns = median(dlpResults[i]!.wall);
  const cpu = median(dlpResults[i]!.cpu);
  // The target is for the built-in detectors; tenant patterns come on top.
  const target = c.name.includes('patterns') ? '' : ns <= 30_000 ? 'met' : 'MISSED';
  console.log(
    `| ${c.name} | ${(ns / 1000).toFixed(2)} | ${(cpu / 1000).toFixed(2)} | +${((ns - dlpBase) / 1000).toFixed(2)} µs | ${target} |`,
  );
});
