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
import { policyBenchEnv } from './env.ts';

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

let id = 0;
const policy = (condition: string, action: SnapshotPolicy['action'] = 'deny'): SnapshotPolicy => ({
  id: `p${++id}`,
  name: `policy ${id}`,
  priority: 100 - (id % 100),
  action,
  condition,
  message: 'refused',
});

const otherTools = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    i % 2 === 0
      ? policy(`tool.name == "tool_${i}" && caller.role != "admin"`)
      : policy(`tool.server == "server_${i}" && has(args.path) && string(args.path).startsWith("/etc")`),
  );

const sets: Record<string, SnapshotPolicy[]> = {
  realistic: [
    policy(
      'tool.name == "send_email" && !string(args.to).endsWith("@corp.example") && caller.role == "guest"',
    ),
    policy('tool.server == "mail" && "finance" in caller.teams', 'allow'),
    ...otherTools(48),
  ],
  trifecta: [
    policy('"external-send" in tool.labels && session.tainted && caller.role == "guest"'),
    ...otherTools(49),
  ],
  worst: Array.from({ length: 50 }, (_, i) =>
    policy(`has(args.to) && string(args.to) == "nobody${i}@x" && caller.email != "x${i}"`),
  ),
};

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
