import { describe, expect, it } from 'vitest';
import {
  draftErrors,
  emptyDraft,
  guardrailInput,
  patternRow,
  serverErrors,
  withoutErrorsUnder,
} from './guardrail-draft.ts';

const LOOKAROUND =
  'Lookarounds ((?=…), (?!…), (?<=…), (?<!…)) are not supported: patterns run on RE2, which matches in linear time.';

describe('guardrail drafts', () => {
  it('asks for something to look for, and checks each pattern as the server does', () => {
    const draft = { ...emptyDraft(), name: 'PII' };
    expect(draftErrors(draft)).toEqual({
      detectors: 'Choose at least one detector, add a pattern or call an external guardrail',
    });
    const errors = draftErrors({
      ...draft,
      patterns: [patternRow('emp', 'EMP-[0-9]{6}'), patternRow('EMP', 'x(?=y)'), patternRow('-bad', 'a*')],
    });
    expect(errors).toEqual({
      'patterns.1.name': 'Another pattern has this name',
      'patterns.1.pattern': LOOKAROUND,
      'patterns.2.name': 'Use 1–40 letters, digits and . _ - (starting with a letter or digit)',
      'patterns.2.pattern': 'The pattern matches empty text, so it would match everywhere.',
    });
  });

  it('checks the endpoint only when one is called', () => {
    const draft = {
      ...emptyDraft(),
      name: 'Ext',
      external: true,
      url: 'https://u:p@guard.example',
      timeoutMs: '50',
    };
    expect(draftErrors(draft)).toEqual({
      'external.url': 'Leave credentials out of the URL: requests are signed instead',
      'external.timeoutMs': 'Use a whole number of milliseconds from 100 to 10000',
    });
    expect(draftErrors({ ...draft, external: false, detectors: ['card'] })).toEqual({});
  });

  it('sends what the API takes: null scope for every gateway, no endpoint when switched off', () => {
    const input = guardrailInput({
      ...emptyDraft(),
      name: '  Cards ',
      detectors: ['card'],
      patterns: [patternRow(' emp ', 'EMP-[0-9]{6}')],
      url: 'https://kept.example',
    });
    expect(input).toMatchObject({
      name: 'Cards',
      gatewayIds: null,
      detectors: ['card'],
      patterns: [{ name: 'emp', pattern: 'EMP-[0-9]{6}' }],
      external: null,
    });
    expect(
      guardrailInput({ ...emptyDraft(), external: true, url: ' https://g.example/x ', timeoutMs: '2500' })
        .external,
    ).toEqual({ url: 'https://g.example/x', timeoutMs: 2500, failMode: 'closed' });
  });

  it('reads the full field paths of a refusal from its message, an update’s under patch', () => {
    expect(
      serverErrors({
        message: `patch.patterns.1.pattern: ${LOOKAROUND}; patch.name: must not be empty`,
        data: { fields: { patch: 'Must not be empty' } },
      }),
    ).toEqual({ 'patterns.1.pattern': LOOKAROUND, name: 'Must not be empty' });
    expect(
      serverErrors({
        message: 'external.url: must not point to a private or loopback address',
        data: { fields: { external: 'Must not point to a private or loopback address' } },
      }),
    ).toEqual({ 'external.url': 'Must not point to a private or loopback address' });
  });

  it('falls back to the top-level field, and leaves what is about no field to the form’s alert', () => {
    expect(
      serverErrors({ message: 'A guardrail named “PII” exists', data: { fields: { name: 'Is taken' } } }),
    ).toEqual({ name: 'Is taken' });
    expect(
      serverErrors({ message: 'Only owners and admins change guardrails', data: { fields: null } }),
    ).toEqual({});
    expect(serverErrors({ message: 'rotateSecret: nothing to rotate' })).toEqual({});
  });

  it('drops the messages of a field and everything inside it', () => {
    const errors = { patterns: 'x', 'patterns.0.name': 'y', patternsX: 'z', name: 'n' };
    expect(withoutErrorsUnder(errors, 'patterns')).toEqual({ patternsX: 'z', name: 'n' });
  });
});
