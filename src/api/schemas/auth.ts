/** The bodies of sign-in and password change, shared by the session routes and the console. */
import { z } from 'zod';

/** `POST /api/v1/auth/login`. */
export const loginBody = z.strictObject({
  email: z.string().min(1).max(254),
  password: z.string().min(1).max(1024),
  totp: z.string().max(16).optional(),
  recoveryCode: z.string().max(32).optional(),
});
/** `POST /api/v1/auth/password`. */
export const passwordBody = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: z.string().min(1).max(1024),
});
