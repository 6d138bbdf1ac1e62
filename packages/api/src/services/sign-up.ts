import { AppError, isAppError } from '@toolgate/core/errors';
import { hashPassword } from '@toolgate/core/password';
import type { Database } from '@toolgate/db/client';
import { createWorkspace, findUserByEmail, tenantSlugTaken } from '@toolgate/db/tenancy';
import { emailVerificationRequired, type EmailVerificationMode } from '../email-verification-policy.ts';
import { ZSignUpRequest, type SignUpRequest } from '../schemas/accounts.ts';
import type { Mailer } from '../mail/mailer.ts';
import { requireSignupAllowed, type SignupMode } from '../signup-policy.ts';
import { parseInput, type FieldIssue } from '../validation.ts';
import { sendVerificationEmail } from './send-verification-email.ts';

export interface SignUpResult {
  userId: string;
  tenantId: string;
  tenantSlug: string;
}

export interface SignUpOptions {
  signupMode?: SignupMode;
  /**
   * TOOLGATE_EMAIL_VERIFICATION. `auto` (the default) requires verification when
   * `verificationMail` delivers (SMTP); when it is not required the account is created verified.
   */
  emailVerification?: EmailVerificationMode;
  /** Where the new account's verification link is sent from, and where it points (PUBLIC_WEB_URL). */
  verificationMail?: { mailer: Mailer; publicWebUrl: string };
}

export const EMAIL_TAKEN = 'An account with this email already exists. Sign in instead';
export const SLUG_TAKEN = 'This workspace URL is taken, choose another';

/**
 * Creates a user with a password, a workspace (tenant) and the owner membership linking them.
 * Unlike `bootstrapTenant` it creates no API token: people who sign up create tokens in the UI,
 * once they have verified their address with the link emailed here (`verificationMail`) — or at
 * once, when `emailVerification` does not require it (the account is then created verified).
 * Throws INVALID or CONFLICT naming the request fields in `details.fields`.
 */
export async function signUp(
  db: Database,
  input: SignUpRequest,
  { signupMode = 'open', emailVerification = 'auto', verificationMail }: SignUpOptions = {},
): Promise<SignUpResult> {
  requireSignupAllowed(signupMode, 'sign-up');
  const { name, email, password, workspaceName, workspaceSlug } = parseInput(ZSignUpRequest, input);

  // Checked up front so both conflicts are reported at once and no hash is computed in vain;
  // the unique indexes still decide a race (mapped below).
  const [existingUser, slugTaken] = await Promise.all([
    findUserByEmail(db, email),
    tenantSlugTaken(db, workspaceSlug),
  ]);
  const fields: FieldIssue[] = [];
  if (existingUser) fields.push({ path: 'email', message: EMAIL_TAKEN });
  if (slugTaken) fields.push({ path: 'workspaceSlug', message: SLUG_TAKEN });
  if (fields.length > 0) throw new AppError('CONFLICT', fields[0]!.message, { fields });

  // Hashed before the transaction: never hold a (multiplexed, embedded) connection while computing.
  const passwordHash = await hashPassword(password);
  const verify = emailVerificationRequired(emailVerification, {
    mailDelivers: verificationMail?.mailer.delivers ?? false,
  });
  let created: { tenantId: string; userId: string };
  try {
    created = await createWorkspace(db, {
      slug: workspaceSlug,
      name: workspaceName,
      owner: { email, name, passwordHash, ...(verify ? {} : { emailVerifiedAt: new Date() }) },
    });
  } catch (err) {
    if (isAppError(err) && err.code === 'CONFLICT') {
      const field = err.details?.field === 'email' ? 'email' : 'workspaceSlug';
      const message = field === 'email' ? EMAIL_TAKEN : SLUG_TAKEN;
      throw new AppError('CONFLICT', message, { fields: [{ path: field, message }] });
    }
    throw err;
  }
  // The account exists now: a relay that refuses the mail does not undo it (the user resends).
  if (verify && verificationMail)
    await sendVerificationEmail({ db, ...verificationMail, userId: created.userId });
  return { ...created, tenantSlug: workspaceSlug };
}
