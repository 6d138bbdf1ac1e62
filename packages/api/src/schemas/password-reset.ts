import { z } from 'zod';
import { ZEmailAddress, ZNewPassword } from './accounts.ts';

/** The forgot- and reset-password forms, checked in the browser and again by the server action. */

export const ZForgotPasswordForm = z.object({ email: ZEmailAddress });
export type ForgotPasswordForm = z.input<typeof ZForgotPasswordForm>;

export const ZResetPasswordForm = z
  .object({
    password: ZNewPassword,
    confirmPassword: z.string().min(1, 'Enter the new password again'),
  })
  .refine((form) => form.password === form.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two passwords do not match',
  });
export type ResetPasswordForm = z.input<typeof ZResetPasswordForm>;
