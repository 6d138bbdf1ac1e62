import { describe, expect, it } from 'vitest';
import { conditionProblem } from './condition-problem.ts';
import { POLICY_TEMPLATES } from './policy-templates.ts';

describe('policy templates', () => {
  it('fill conditions that the server accepts', () => {
    for (const template of POLICY_TEMPLATES) expect(conditionProblem(template.fields.condition)).toBeNull();
  });

  it('include the lethal trifecta rule as docs/policies.md writes it', () => {
    expect(POLICY_TEMPLATES.find((t) => t.key === 'lethal-trifecta')?.fields).toMatchObject({
      condition: '"external-send" in tool.labels && session.tainted',
      action: 'deny',
    });
  });
});
