import { describe, expect, it } from 'vitest';
import { policyDecisionOf, type PolicyDecision } from './guardrail.ts';

const POLICY = '5b0c7d2e-8f14-4a6b-9c3d-2e1f0a9b8c7d';
const REQUEST = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

describe('policyDecisionOf', () => {
  it.each<[string, string, PolicyDecision]>([
    ['a call no policy matched', 'allow', 'none'],
    ['a call an allow policy matched', `allow:${POLICY}`, 'allow'],
    ['a call a deny policy refused', `deny:policy:${POLICY}`, 'deny'],
    ['a call whose policies could not be evaluated', 'deny:policy_unavailable', 'deny'],
    ['a held call an approver approved', `approved:${REQUEST}`, 'approved'],
    ['a call waiting for approval', `pending_approval:${REQUEST}`, 'pending'],
    ['a call its caller did not confirm', `deny:declined:${POLICY}`, 'approval_denied'],
    [
      'a call needing a confirmation the client cannot show',
      `deny:needs_confirmation:${POLICY}`,
      'approval_denied',
    ],
    [
      'a call whose approval could not be asked for',
      `deny:approval_unavailable:${POLICY}`,
      'approval_denied',
    ],
    ['a call the approvers refused or let time out', `deny:approval:${REQUEST}`, 'approval_denied'],
  ])('reads %s (%s) as %s', (_name, outcome, decision) => {
    expect(policyDecisionOf(outcome)).toBe(decision);
  });

  it.each([
    ['no outcome recorded', null],
    ['an absent outcome', undefined],
    ['an empty outcome', ''],
    ['a refused token', 'deny:invalid_token'],
    ['a gateway not shared with the caller', 'deny:not_visible'],
    ['a missing scope', 'deny:insufficient_scope'],
    ['a connection event refused', 'deny:forbidden'],
    ['an outcome that only starts like a policy one', 'deny:policyish'],
    ['an allow without its separator', 'allowed'],
  ])('gives no decision for %s', (_name, outcome) => {
    expect(policyDecisionOf(outcome)).toBe('');
  });
});
