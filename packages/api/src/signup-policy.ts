import { AppError } from '@toolgate/core/errors';

/**
 * TOOLGATE_SIGNUP: who may create accounts and workspaces from the web.
 * - `open` (default, SaaS): anyone signs up and creates workspaces.
 * - `invite`: accounts only through an invitation link (for the invited address); no new
 *   workspaces from the web (operators create them with `toolgate bootstrap`).
 * - `closed`: no accounts from the web at all; `toolgate bootstrap` creates tenants and owners,
 *   and only existing users can accept invitations.
 */
export const SIGNUP_MODES = ['open', 'invite', 'closed'] as const;
export type SignupMode = (typeof SIGNUP_MODES)[number];

export type SignupPath = 'sign-up' | 'new-workspace' | 'invitation' | 'single-sign-on';

export function signupAllowed(mode: SignupMode, path: SignupPath, { invited = false } = {}): boolean {
  if (mode === 'open') return true;
  if (mode === 'invite') return path === 'invitation' || (path === 'single-sign-on' && invited);
  return false;
}

const REFUSALS: Record<Exclude<SignupMode, 'open'>, string> = {
  invite: 'New accounts on this server are by invitation only: ask an administrator to invite you',
  closed: 'This server does not take new accounts; an operator creates them',
};

/** Throws FORBIDDEN with a sentence for the form when `path` is closed under `mode`. */
export function requireSignupAllowed(mode: SignupMode, path: SignupPath): void {
  if (signupAllowed(mode, path)) return;
  if (path === 'new-workspace')
    throw new AppError(
      'FORBIDDEN',
      'New workspaces on this server are created by an operator (toolgate bootstrap)',
    );
  throw new AppError('FORBIDDEN', REFUSALS[mode === 'invite' ? 'invite' : 'closed']);
}
