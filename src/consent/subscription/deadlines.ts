/**
 * A request's double opt-in deadlines, as data on the request: when its link stops working
 * (and the request, never confirmed, is erased), and which step falls due first, the reminder
 * if the list sends one. The list's double opt-in workflow acts on them when they come.
 */
import type { DueStep } from '../../db/models/subscription';
import type { ResolvedDoubleOptIn } from '../double-opt-in-settings';

const HOUR_MS = 3_600_000;

/** How long an interrupted confirmation waits before the workflow finishes it. */
export const REPAIR_AFTER_MS = 2 * 60_000;

/** The deadlines of a request made at `requestedAt` under these settings. */
export function requestDeadlines(
  settings: Pick<ResolvedDoubleOptIn, 'confirmWithinHours' | 'reminderAfterHours'>,
  requestedAt: Date,
): { expiresAt: Date; dueAt: Date; dueStep: DueStep } {
  const at = requestedAt.getTime();
  const expiresAt = new Date(at + settings.confirmWithinHours * HOUR_MS);
  return settings.reminderAfterHours === null
    ? { expiresAt, dueAt: expiresAt, dueStep: 'expiry' }
    : {
        expiresAt,
        dueAt: new Date(at + settings.reminderAfterHours * HOUR_MS),
        dueStep: 'reminder',
      };
}
