import { serialize, type ASTNode } from '@marcbachmann/cel-js';
import { policyEnvironment, type PolicyCaller, type PolicyInput, type PolicyTool } from './environment.ts';
import { withRe2Matches } from './re2-matches.ts';
import { comparePolicies, type PolicyAction, type SnapshotPolicy } from './types.ts';

/**
 * Policies compiled once per gateway snapshot, then narrowed per tool, so a call evaluates only
 * the policies that can apply to its tool, and usually nothing that can be known in advance.
 *
 * A condition is split into its top-level `&&` conjuncts. A conjunct that reads only `tool` and
 * `gateway` is decided per tool when the snapshot is prepared: false drops the policy for that
 * tool, true drops the conjunct. What remains is compiled once as the policy's residual
 * condition for that tool. A conjunct that reads `caller` too (but not `args`, `session` or
 * `request`) is decided per caller, which is what identity-aware listing needs.
 *
 * Errors: a condition that fails to evaluate (a missing argument, a bad type at run time) counts
 * as matching for `deny` and `require_approval` policies (fail closed: a broken guard never lets
 * a call through) and as not matching for `allow` ones; the decision says so.
 */

type Evaluate = (input: Partial<PolicyInput>) => unknown;

interface Conjunct {
  source: string;
  /** Root variables it reads. */
  reads: Set<string>;
}

interface CompiledPolicy {
  policy: SnapshotPolicy;
  conjuncts: Conjunct[];
  /** Reads `session` (so a call needs the session's labels). */
  readsSession: boolean;
}

/** A policy narrowed to one tool: its residual condition (undefined: always true for this tool). */
interface ToolPolicy {
  policy: SnapshotPolicy;
  residual: Evaluate | undefined;
  /** The residual's conjuncts that read `caller` but nothing per call (decidable per caller). */
  callerStatic: Evaluate | undefined;
  /** Whether the residual reads anything per call (args, session, request). */
  perCall: boolean;
  /** Whether the residual reads `session`. */
  readsSession: boolean;
}

export type PolicyDecision =
  | { action: 'allow'; policy?: SnapshotPolicy; error?: string }
  | { action: Exclude<PolicyAction, 'allow'>; policy: SnapshotPolicy; error?: string };

const TOOL_STATIC = new Set(['tool', 'gateway']);
const CALLER_STATIC = new Set(['tool', 'gateway', 'caller']);

interface AstNode {
  op: string;
  args: unknown;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as AstNode).op === 'string';
}

/** Root identifiers an expression reads (comprehension variables are not roots we declare). */
function readsOf(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const child of node) readsOf(child, out);
  } else if (isNode(node)) {
    if (node.op === 'id' && typeof node.args === 'string') out.add(node.args);
    else readsOf(node.args, out);
  }
  return out;
}

function conjunctsOf(node: AstNode, out: Conjunct[] = []): Conjunct[] {
  if (node.op === '&&' && Array.isArray(node.args)) {
    for (const child of node.args) if (isNode(child)) conjunctsOf(child, out);
    return out;
  }
  // Printed back from the tree (the library's serializer), not cut out of the source.
  out.push({ source: serialize(node as unknown as ASTNode), reads: readsOf(node) });
  return out;
}

const subsetOf = (reads: Set<string>, allowed: Set<string>) => [...reads].every((r) => allowed.has(r));

function compileSource(source: string): Evaluate {
  return policyEnvironment().parse(source);
}

function joined(conjuncts: Conjunct[]): Evaluate | undefined {
  if (conjuncts.length === 0) return undefined;
  return compileSource(conjuncts.map((c) => `(${c.source})`).join(' && '));
}

/** Runs a condition; errors are reported, not thrown. */
function run(evaluate: Evaluate, input: Partial<PolicyInput>): { matched: boolean; error?: string } {
  try {
    return { matched: evaluate(input) === true };
  } catch (err) {
    return { matched: false, error: (err as Error).message.split('\n')[0] };
  }
}

export class CompiledPolicies {
  private readonly compiled: CompiledPolicy[];
  /** Whether any policy reads `session` (calls then need the session's labels). */
  readonly readsSession: boolean;

  constructor(policies: readonly SnapshotPolicy[]) {
    this.compiled = [...policies].sort(comparePolicies).map((policy) => {
      const parsed = policyEnvironment().parse(policy.condition) as unknown as { ast: AstNode };
      // `matches` runs on RE2 (re2-matches.ts).
      const ast = withRe2Matches(parsed.ast);
      const conjuncts = conjunctsOf(ast);
      return { policy, conjuncts, readsSession: conjuncts.some((c) => c.reads.has('session')) };
    });
    this.readsSession = this.compiled.some((c) => c.readsSession);
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The policies that can apply to `tool` on this gateway, narrowed to what is left to decide. */
  forTool(tool: PolicyTool, gateway: { slug: string }): ToolPolicies {
    const known = { tool, gateway };
    const narrowed: ToolPolicy[] = [];
    for (const { policy, conjuncts } of this.compiled) {
      const rest: Conjunct[] = [];
      let applies = true;
      let error: string | undefined;
      for (const conjunct of conjuncts) {
        if (!subsetOf(conjunct.reads, TOOL_STATIC)) {
          rest.push(conjunct);
          continue;
        }
        const outcome = run(compileSource(conjunct.source), known);
        if (outcome.error) error = outcome.error;
        if (!outcome.matched) {
          applies = false;
          break;
        }
      }
      // A conjunct about the tool that fails to evaluate: fail closed, as at call time.
      if (!applies && error === undefined) continue;
      if (!applies) {
        if (policy.action === 'allow') continue;
        narrowed.push({
          policy,
          residual: () => true,
          callerStatic: undefined,
          perCall: false,
          readsSession: false,
        });
        continue;
      }
      const callerOnly = rest.filter((c) => subsetOf(c.reads, CALLER_STATIC));
      narrowed.push({
        policy,
        residual: joined(rest),
        callerStatic: joined(callerOnly),
        perCall: callerOnly.length < rest.length,
        readsSession: rest.some((c) => c.reads.has('session')),
      });
    }
    return new ToolPolicies(narrowed, known);
  }
}

/** The policies of one tool on one gateway. */
export class ToolPolicies {
  /**
   * Whether a call needs the session's labels: some policy left for this tool reads `session`
   * (one that does, dropped for this tool by its tool conjuncts, costs this tool's calls nothing).
   */
  readonly readsSession: boolean;

  constructor(
    private readonly policies: readonly ToolPolicy[],
    /** What is known of the tool and gateway (the same objects on every call). */
    readonly known: { tool: PolicyTool; gateway: { slug: string } },
  ) {
    this.readsSession = policies.some((p) => p.readsSession);
  }

  /** No policy can apply to this tool: every call is allowed without evaluating anything. */
  get empty(): boolean {
    return this.policies.length === 0;
  }

  /** First match wins, highest priority first; no match: allow. */
  decide(input: PolicyInput): PolicyDecision {
    for (const { policy, residual } of this.policies) {
      if (residual === undefined) return decision(policy);
      const outcome = run(residual, input);
      if (outcome.error !== undefined) {
        if (policy.action === 'allow') continue;
        return { ...decision(policy), error: outcome.error };
      }
      if (outcome.matched) return decision(policy);
    }
    return { action: 'allow' };
  }

  /**
   * Whether this caller is denied the tool whatever the arguments, session or time: the first
   * policy that could match them is a `deny` that matches on what is known of tool and caller.
   * Such a tool is not listed to them.
   */
  deniedRegardless(caller: PolicyCaller): boolean {
    for (const { policy, callerStatic, perCall } of this.policies) {
      const known = callerStatic ? run(callerStatic, { ...this.known, caller }) : { matched: true };
      if (known.error !== undefined) {
        if (policy.action === 'allow') continue;
        return policy.action === 'deny' && !perCall;
      }
      if (!known.matched) continue;
      return policy.action === 'deny' && !perCall;
    }
    return false;
  }
}

function decision(policy: SnapshotPolicy): PolicyDecision {
  return policy.action === 'allow' ? { action: 'allow', policy } : { action: policy.action, policy };
}
