import { AppError } from '@toolgate/core/errors';
import type { LinkProblem } from './schemas/accounts.ts';

/** The emailed links that can stop working. */
export type LinkKind = 'password-reset' | 'invitation' | 'email-verification';

const MESSAGES: Record<LinkKind, Record<LinkProblem, string>> = {
  'password-reset': {
    invalid: 'This password reset link is not valid. Check that you copied all of it, or request a new one.',
    expired: 'This password reset link has expired. Request a new one.',
    used: 'This password reset link has already been used. Request a new one if you need to.',
  },
  invitation: {
    invalid:
      'This invitation link is not valid. It may have been revoked, or replaced by a newer invitation.',
    expired: 'This invitation has expired. Ask the person who invited you to send a new one.',
    used: 'This invitation has already been accepted.',
  },
  'email-verification': {
    invalid:
      'This verification link is not valid. Check that you copied all of it, or sign in and send a new one.',
    expired: 'This verification link has expired. Sign in and send a new one.',
    used: 'This verification link has already been used: your email address is verified.',
  },
};

// An unknown link is "not found", a stale one a conflict with its state, an expired one refused.
const CODES = { invalid: 'NOT_FOUND', expired: 'INVALID', used: 'CONFLICT' } as const;

export const linkProblemMessage = (link: LinkKind, problem: LinkProblem): string => MESSAGES[link][problem];

/** The error a service throws for a link that no longer works; `details.reason` says why. */
export const linkProblemError = (link: LinkKind, problem: LinkProblem): AppError =>
  new AppError(CODES[problem], MESSAGES[link][problem], { reason: problem });
