/**
 * The bodies of the security settings routes (the password policy, who must use a second
 * factor), shared by the routes and the web console's form, so both validate with one
 * schema. The names are written out here rather than imported from src/auth and src/db,
 * which the console cannot bundle (bcrypt, the common-password list, mongoose);
 * test/e2e/console-security.test.ts checks that they match.
 */
import { z } from 'zod';

/** The character classes a policy can require (src/auth/password-policy.ts says what each holds). */
export const passwordCharacterClasses = ['lower', 'upper', 'digit', 'symbol'] as const;

/** Who must use a second factor: nobody, holders of users.manage, or every user. */
export const twoFactorRequirements = ['optional', 'admins', 'all'] as const;

/** The body of `PUT /api/v1/settings/password-policy`: the whole policy. */
export const policyBody = z.strictObject({
  minLength: z.number().int().min(8).max(64),
  requiredClasses: z.array(z.enum(passwordCharacterClasses)).max(4),
  rejectCommon: z.boolean(),
  historyCount: z.number().int().min(0).max(24),
  maxAgeDays: z.number().int().min(0).max(3650),
});

/** The body of `PUT /api/v1/settings/two-factor`. */
export const twoFactorBody = z.strictObject({ required: z.enum(twoFactorRequirements) });
