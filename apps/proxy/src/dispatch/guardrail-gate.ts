import type { KeyRing } from '@toolgate/core/crypto';
import { openString } from '@toolgate/core/crypto';
import {
  compileDetectors,
  guardrailSecretAad,
  strongerOutcome,
  type DlpOutcome,
  type FindingCounts,
  type Scanner,
  type SnapshotGuardrail,
} from '@toolgate/core/dlp';
import type { Logger } from '@toolgate/core/logger';
import type { SnapshotTool } from '@toolgate/core/snapshot';
import type { SsrfGuard } from '@toolgate/net/ssrf-guard';
import { askExternalGuardrail, type ExternalCheck } from '../backend/external-guardrail.ts';
import type { PreparedGateway } from '../config/snapshot-store.ts';
import type { McpCall } from '../mcp-call.ts';
import { policyCaller } from './policy-gate.ts';

/**
 * Guardrails on the hot path (docs/policies.md "Guardrails and DLP"). Per gateway snapshot the
 * guardrails are compiled once (one Scanner each); per tools/call the arguments are checked
 * before they go upstream and the result before it goes to the client. In each direction:
 * `block` guardrails look at the value as it came (any finding refuses the call), `redact`
 * guardrails rewrite it in turn, `log` guardrails count what the value held; external guardrails
 * are asked last, about what the detectors let through. A gateway without guardrails costs one
 * map lookup per call. The audit event gets the strongest outcome and the findings by detector.
 */

export type Direction = 'arguments' | 'results';

export type GuardOutcome = { go: true; value: unknown } | { go: false; text: string };

interface CompiledGuardrail {
  id: string;
  name: string;
  action: SnapshotGuardrail['action'];
  scanner?: Scanner;
  external?: SnapshotGuardrail['external'];
}

type Compiled = Record<Direction, CompiledGuardrail[]>;

const hasDetectors = (g: SnapshotGuardrail) => g.detectors.length > 0 || g.patterns.length > 0;

function compile(guardrails: readonly SnapshotGuardrail[]): Compiled {
  const out: Compiled = { arguments: [], results: [] };
  for (const g of guardrails) {
    const compiled: CompiledGuardrail = {
      id: g.id,
      name: g.name,
      action: g.action,
      ...(hasDetectors(g)
        ? { scanner: compileDetectors({ detectors: g.detectors, patterns: g.patterns }) }
        : {}),
      ...(g.external ? { external: g.external } : {}),
    };
    if (g.direction !== 'results') out.arguments.push(compiled);
    if (g.direction !== 'arguments') out.results.push(compiled);
  }
  // Blocks see the value as it came; redactions apply in turn; logs count what came.
  const order = { block: 0, redact: 1, log: 2 } as const;
  for (const list of Object.values(out)) list.sort((a, b) => order[a.action] - order[b.action]);
  return out;
}

const NONE: Compiled = { arguments: [], results: [] };

/** "card (2), email (1)": detectors and counts, never values. */
const describe = (findings: FindingCounts): string =>
  Object.entries(findings)
    .map(([detector, count]) => `${detector === 'us_ssn' ? 'US SSN' : detector} (${count})`)
    .join(', ');

const what = (direction: Direction) => (direction === 'arguments' ? 'arguments' : 'result');

export class GuardrailGate {
  private readonly byGateway = new WeakMap<PreparedGateway, Compiled>();
  /** Unsealed signing secrets by sealed text (a rotation seals a new one). */
  private readonly secrets = new Map<string, string>();

  constructor(private readonly deps: { ring: KeyRing; guard: SsrfGuard; log?: Logger }) {}

  private compiled(gateway: PreparedGateway): Compiled {
    let compiled = this.byGateway.get(gateway);
    if (!compiled) {
      const { guardrails } = gateway.snapshot;
      compiled = guardrails && guardrails.length > 0 ? compile(guardrails) : NONE;
      this.byGateway.set(gateway, compiled);
    }
    return compiled;
  }

  /** Whether any guardrail looks at this gateway's calls in `direction` (cheap). */
  applies(gateway: PreparedGateway, direction: Direction): boolean {
    return this.compiled(gateway)[direction].length > 0;
  }

  /**
   * The value to forward (the same object when nothing changed), or the refusal for the model.
   * Records the outcome on the call's usage event.
   */
  async check(
    call: McpCall,
    tool: SnapshotTool,
    direction: Direction,
    value: unknown,
  ): Promise<GuardOutcome> {
    const guardrails = this.compiled(call.caller.gateway)[direction];
    if (guardrails.length === 0) return { go: true, value };
    const record = new DlpTally();
    try {
      const outcome = await this.run(call, tool, direction, value, guardrails, record);
      return outcome;
    } finally {
      call.usage?.dlp(record.outcome, record.findings);
    }
  }

  private async run(
    call: McpCall,
    tool: SnapshotTool,
    direction: Direction,
    value: unknown,
    guardrails: CompiledGuardrail[],
    record: DlpTally,
  ): Promise<GuardOutcome> {
    let current = value;
    // Flagged values found by blocks and logs, redacted in the audit's copy only.
    const flagged: Scanner[] = [];
    for (const g of guardrails) {
      if (!g.scanner) continue;
      let findings: FindingCounts;
      try {
        if (g.action === 'redact') {
          const redacted = g.scanner.redact(current);
          current = redacted.value;
          findings = redacted.findings;
        } else {
          // Blocks and logs see the value as it came, before any redaction.
          findings = g.scanner.scanValue(value);
        }
      } catch (err) {
        // Too deep to scan: what cannot be checked does not pass a guardrail that would act on it.
        if (g.action === 'log') continue;
        record.add('blocked', {});
        return {
          go: false,
          text: `Guardrail "${g.name}" refused the ${what(direction)}: ${(err as Error).message}`,
        };
      }
      if (Object.keys(findings).length === 0) continue;
      if (g.action === 'block') {
        record.add('blocked', findings);
        if (direction === 'arguments') call.usage?.auditCopy(direction, g.scanner.redact(value).value);
        return {
          go: false,
          text: `Guardrail "${g.name}" blocked this call: its ${what(direction)} contain ${describe(findings)}. Remove that data and try again, or ask an admin.`,
        };
      }
      record.add(g.action === 'redact' ? 'redacted' : 'logged', findings);
      if (g.action === 'log') flagged.push(g.scanner);
    }
    if (flagged.length > 0 || current !== value) {
      let audit = current;
      for (const scanner of flagged) audit = scanner.redact(audit).value;
      call.usage?.auditCopy(direction, audit);
    }
    for (const g of guardrails) {
      if (!g.external) continue;
      const verdict = await this.askExternal(call, tool, direction, current, g);
      if (verdict.kind === 'refuse') {
        record.add('blocked', { external: 1 });
        return { go: false, text: verdict.text };
      }
      if (verdict.kind === 'modify') {
        current = verdict.value;
        record.add('redacted', { external: 1 });
        let audit = current;
        for (const scanner of flagged) audit = scanner.redact(audit).value;
        call.usage?.auditCopy(direction, audit);
      }
    }
    return { go: true, value: current };
  }

  private async askExternal(
    call: McpCall,
    tool: SnapshotTool,
    direction: Direction,
    value: unknown,
    g: CompiledGuardrail,
  ): Promise<{ kind: 'allow' } | { kind: 'refuse'; text: string } | { kind: 'modify'; value: unknown }> {
    const external = g.external!;
    const { gateway, principal } = call.caller;
    const caller = policyCaller(gateway, principal, call.session);
    let check: ExternalCheck;
    try {
      check = {
        url: new URL(external.url),
        secret: this.secret(g.id, external.secretSealed),
        timeoutMs: external.timeoutMs,
      };
    } catch (err) {
      this.deps.log?.error({ guardrailId: g.id, err: (err as Error).message }, 'external guardrail unusable');
      return this.failed(g, direction);
    }
    try {
      const verdict = await askExternalGuardrail(
        check,
        {
          version: 1,
          guardrail: { id: g.id, name: g.name },
          direction,
          tenant: { id: gateway.snapshot.tenant.id, slug: gateway.snapshot.tenant.slug },
          gateway: { id: gateway.snapshot.gateway.id, slug: gateway.snapshot.gateway.slug },
          tool: {
            name: tool.upstreamName,
            exposedName: tool.name,
            server: gateway.upstreams.get(tool.entryId)?.slug ?? '',
          },
          caller: { userId: caller.userId, email: caller.email, client: caller.client },
          value,
        },
        this.deps.guard,
        this.deps.log,
      );
      if (verdict.action === 'allow') return { kind: 'allow' };
      if (verdict.action === 'modify') {
        // What replaces arguments or a result must be one: an object.
        const v = verdict.value;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return this.failed(g, direction);
        return { kind: 'modify', value: v };
      }
      return {
        kind: 'refuse',
        text: `Guardrail "${g.name}" refused this call${verdict.message ? `: ${verdict.message}` : '.'}`,
      };
    } catch {
      return this.failed(g, direction);
    }
  }

  private failed(
    g: CompiledGuardrail,
    direction: Direction,
  ): { kind: 'allow' } | { kind: 'refuse'; text: string } {
    if (g.external!.failMode === 'open') return { kind: 'allow' };
    return {
      kind: 'refuse',
      text: `Guardrail "${g.name}" could not check the ${what(direction)} (its checking service did not answer), so the call was refused. Try again later, or ask an admin.`,
    };
  }

  private secret(id: string, sealed: string): string {
    let secret = this.secrets.get(sealed);
    if (secret === undefined) {
      secret = openString(this.deps.ring, sealed, guardrailSecretAad(id));
      if (this.secrets.size > 1_000) this.secrets.clear();
      this.secrets.set(sealed, secret);
    }
    return secret;
  }
}

/** The strongest outcome of one direction's guardrails and their findings. */
class DlpTally {
  outcome: DlpOutcome = 'none';
  findings: Record<string, number> = {};

  add(outcome: DlpOutcome, findings: FindingCounts & { external?: number }): void {
    this.outcome = strongerOutcome(this.outcome, outcome);
    for (const [detector, count] of Object.entries(findings)) {
      this.findings[detector] = (this.findings[detector] ?? 0) + (count ?? 0);
    }
  }
}
