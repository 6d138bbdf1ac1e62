/**
 * Policy and guardrail sets of the benchmarks, shared by `npm run bench:policy` (in process, the
 * three sets of 50) and `npm run bench` with BENCH_GOVERNANCE (a tenant's set, seeded on the
 * benchmark's gateway; seed-gateway.ts).
 */
import type { DetectorName, GuardrailAction, GuardrailDirection } from '@toolgate/core/dlp';
import type { SnapshotPolicy } from '@toolgate/core/policy';
import type { ApproverKind } from '@toolgate/db/schema';

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

/** The realistic set's two policies about the tool `bench:policy` calls (send_email on `mail`). */
const SEND_EMAIL_CONDITION =
  'tool.name == "send_email" && !string(args.to).endsWith("@corp.example") && caller.role == "guest"';
const MAIL_FINANCE_CONDITION = 'tool.server == "mail" && "finance" in caller.teams';

/** `npm run bench:policy`: three sets of 50 policies (see README.md "Policy benchmark"). */
export const POLICY_SETS: Record<string, SnapshotPolicy[]> = {
  realistic: [policy(SEND_EMAIL_CONDITION), policy(MAIL_FINANCE_CONDITION, 'allow'), ...otherTools(48)],
  trifecta: [
    policy('"external-send" in tool.labels && session.tainted && caller.role == "guest"'),
    ...otherTools(49),
  ],
  worst: Array.from({ length: 50 }, (_, i) =>
    policy(`has(args.to) && string(args.to) == "nobody${i}@x" && caller.email != "x${i}"`),
  ),
};

/** A policy as an admin saves it (the control plane's columns). */
export interface TenantPolicy {
  name: string;
  priority: number;
  action: SnapshotPolicy['action'];
  condition: string;
  message: string;
  /** `require_approval` only. */
  approvers?: ApproverKind;
}

/**
 * BENCH_GOVERNANCE=policies: the policies of a tenant, workspace-wide, as admins write them. Most
 * name a tool or a server (`bench:policy`'s realistic conditions among them) and are dropped for
 * `everything__echo` when the snapshot is prepared; seven read the caller or the arguments and are
 * evaluated on every call of the benchmark (the admins' allow, the support agent's allow, the
 * agent and e-mail domain denies, two argument denies, the bulk-export approval), and the
 * lethal-trifecta template makes every call read the session's labels. None matches the
 * benchmark's calls: `{"message":"bench"}` from an org API token (no role, e-mail or team) or a
 * member's OAuth token (`member`, `@example.test`), agent `toolgate-bench`.
 */
export const TENANT_POLICIES: TenantPolicy[] = [
  // Overrides first.
  {
    name: 'Owners and admins may call anything',
    priority: 1000,
    action: 'allow',
    condition: 'caller.role in ["owner", "admin"]',
    message: '',
  },
  {
    name: 'Finance uses the mail server',
    priority: 900,
    action: 'allow',
    condition: MAIL_FINANCE_CONDITION,
    message: '',
  },
  {
    name: 'Lethal trifecta: no external send in a tainted session',
    priority: 800,
    action: 'deny',
    condition: '"external-send" in tool.labels && session.tainted',
    message: 'This session read untrusted content; sending data out is refused.',
  },
  {
    name: 'Unvetted agents',
    priority: 700,
    action: 'deny',
    condition: 'caller.client in ["cursor-nightly", "autogpt", "unknown-agent"]',
    message: 'This agent is not approved in this workspace.',
  },
  {
    name: 'Company accounts only',
    priority: 700,
    action: 'deny',
    condition: 'caller.emailDomain in ["gmail.com", "outlook.com", "contractor.example"]',
    message: 'Sign in with your company account.',
  },
  {
    name: 'Contractors are read-only',
    priority: 650,
    action: 'deny',
    condition:
      '"contractors" in caller.teams && !(has(tool.annotations.readOnlyHint) && tool.annotations.readOnlyHint == true)',
    message: 'Contractors may only call read-only tools.',
  },
  {
    name: 'No shell for members',
    priority: 600,
    action: 'deny',
    condition: 'tool.server == "shell" && caller.role != "admin"',
    message: 'Only admins may use the shell.',
  },
  {
    name: 'Protect system paths',
    priority: 600,
    action: 'deny',
    condition: 'tool.server == "filesystem" && has(args.path) && string(args.path).startsWith("/etc")',
    message: 'System paths are off limits.',
  },
  {
    name: 'No destructive SQL',
    priority: 600,
    action: 'deny',
    condition: 'has(args.query) && string(args.query).lowerAscii().matches("(drop|truncate)\\\\s+table")',
    message: 'Dropping or truncating tables is refused.',
  },
  {
    name: 'No credentials as arguments',
    priority: 550,
    action: 'deny',
    condition: 'has(args.password) || has(args.api_key)',
    message: 'Do not pass credentials to tools.',
  },
  {
    name: 'External mail from guests',
    priority: 500,
    action: 'deny',
    condition: SEND_EMAIL_CONDITION,
    message: 'Guests may only mail company addresses.',
  },
  {
    name: 'No production deploys from agents',
    priority: 500,
    action: 'deny',
    condition:
      'tool.server == "github" && tool.name == "create_deployment" && has(args.environment) && string(args.environment) == "production"',
    message: 'Deploy to production from the pipeline.',
  },
  {
    name: 'Repositories are deleted by admins',
    priority: 500,
    action: 'deny',
    condition: 'tool.name == "delete_repository" && caller.role != "admin"',
    message: 'Ask an admin to delete a repository.',
  },
  {
    name: 'Payments freeze at weekends',
    priority: 400,
    action: 'deny',
    condition: 'tool.server == "payments" && request.time.getDayOfWeek() in [0, 6]',
    message: 'Payments are frozen at weekends.',
  },
  {
    name: 'Refunds over 1,000 need approval',
    priority: 300,
    action: 'require_approval',
    condition:
      'tool.server == "payments" && tool.name == "create_refund" && has(args.amount) && double(args.amount) > 1000.0',
    message: 'A refund over 1,000 needs an admin.',
    approvers: 'admins',
  },
  {
    name: 'Bulk exports need confirmation',
    priority: 300,
    action: 'require_approval',
    condition: 'has(args.limit) && int(args.limit) > 10000',
    message: 'Exporting more than 10,000 rows: confirm.',
    approvers: 'caller',
  },
  {
    name: 'Support bot: read-only tools',
    priority: 200,
    action: 'allow',
    condition:
      'caller.client == "support-bot" && has(tool.annotations.readOnlyHint) && tool.annotations.readOnlyHint == true',
    message: '',
  },
  {
    name: 'HR: read-only tools for everyone',
    priority: 60,
    action: 'allow',
    condition:
      'tool.server == "hr" && has(tool.annotations.readOnlyHint) && tool.annotations.readOnlyHint == true',
    message: '',
  },
  {
    name: 'HR: the HR team only',
    priority: 50,
    action: 'deny',
    condition: 'tool.server == "hr" && !("hr" in caller.teams)',
    message: 'The HR server is for the HR team.',
  },
  {
    name: 'Jira: no issue deletion',
    priority: 50,
    action: 'deny',
    condition: 'tool.server == "jira" && tool.name == "delete_issue"',
    message: 'Close issues instead of deleting them.',
  },
];

/** A guardrail as an admin saves it. */
export interface TenantGuardrail {
  name: string;
  direction: GuardrailDirection;
  detectors: DetectorName[];
  action: GuardrailAction;
}

/**
 * BENCH_GOVERNANCE=full adds these, workspace-wide: built-in detectors only, none of which finds
 * anything in `{"message":"bench"}` or its echo (so nothing is redacted or logged, but every call's
 * arguments and result are scanned by both).
 */
export const TENANT_GUARDRAILS: TenantGuardrail[] = [
  {
    name: 'Redact secrets, e-mail addresses and cards',
    direction: 'both',
    detectors: ['secret', 'email', 'card'],
    action: 'redact',
  },
  {
    name: 'Log IP addresses and phone numbers',
    direction: 'both',
    detectors: ['ip', 'phone'],
    action: 'log',
  },
];
