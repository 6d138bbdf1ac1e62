import type { PolicyAction } from '@toolgate/core/policy';

/** What a template fills in the form; nothing is saved until the admin saves. */
export interface PolicyTemplate {
  key: string;
  /** The button's text. */
  title: string;
  /** One line under it: what the policy does and what to adapt. */
  summary: string;
  fields: {
    name: string;
    description: string;
    priority: number;
    condition: string;
    action: PolicyAction;
    message: string;
  };
}

export const POLICY_TEMPLATES: readonly PolicyTemplate[] = [
  {
    key: 'lethal-trifecta',
    title: 'Lethal trifecta',
    summary: 'Blocks tools labelled external-send in a session that called a tool labelled untrusted-output.',
    fields: {
      name: 'No sending out after untrusted content',
      description:
        'An agent that has read outside content (web pages, email, tickets) could be steered by it to send out what it can read.',
      priority: 100,
      condition: '"external-send" in tool.labels && session.tainted',
      action: 'deny',
      message:
        'This session has read content from outside; sending data out is blocked. Start a new session to send.',
    },
  },
  {
    key: 'team-only-server',
    title: 'Only one team may use a server',
    summary: 'Replace "payments" with the server’s slug and "finance" with the team’s slug.',
    fields: {
      name: 'Only finance uses payments',
      description: '',
      priority: 50,
      condition: 'tool.server == "payments" && !("finance" in caller.teams)',
      action: 'deny',
      message: 'Only the finance team may use the payments server. Ask a member of finance to do this.',
    },
  },
  {
    key: 'working-hours',
    title: 'No destructive tools outside working hours',
    summary:
      'Tools the server marks destructive, refused before 07:00 and from 19:00 UTC (change the zone and hours).',
    fields: {
      name: 'Destructive tools in working hours only',
      description: '',
      priority: 50,
      // `has` first: a tool that declares no such hint would otherwise fail the condition, and a
      // failing deny condition denies.
      condition:
        'has(tool.annotations.destructiveHint) && tool.annotations.destructiveHint == true && (request.time.getHours("UTC") < 7 || request.time.getHours("UTC") >= 19)',
      action: 'deny',
      message: 'Destructive tools may only be used between 07:00 and 19:00 UTC. Try again in working hours.',
    },
  },
];
