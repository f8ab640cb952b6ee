/**
 * The access log's filters as the console keeps them (in the page's address, dates as the
 * day picked) and as the route takes them: a day picked as the end of the range means up to
 * the end of that day where the administrator is, not its first instant in UTC.
 */
import { z } from 'zod';
import { accessEvents, type AccessEvent } from './access-events';

const day = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The filters in the page's address; a value that is not one (an edited or stale link) is
 * dropped rather than failing the page.
 */
export const accessLogSearch = z.object({
  user: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .catch(undefined),
  event: z
    .enum(accessEvents as [AccessEvent, ...AccessEvent[]])
    .optional()
    .catch(undefined),
  from: z.string().regex(day).optional().catch(undefined),
  to: z.string().regex(day).optional().catch(undefined),
});

export type AccessLogFilters = z.infer<typeof accessLogSearch>;

/** The route's largest `limit`: an export takes everything up to it. */
export const MAX_ENTRIES = 10_000;

/** The first or last instant of a day (`2026-12-07`) in the browser's time zone. */
export function dayBoundary(value: string, end: boolean): string {
  const [y, m, d] = value.split('-').map(Number) as [number, number, number];
  const date = end ? new Date(y, m - 1, d, 23, 59, 59, 999) : new Date(y, m - 1, d);
  return date.toISOString();
}

/** Whether the range runs backwards (the route refuses it). */
export const backwards = (filters: AccessLogFilters) =>
  Boolean(filters.from && filters.to && filters.from > filters.to);

/** The route's query string for the filters, at most `limit` entries, as JSON or CSV. */
export function accessLogParams(
  filters: AccessLogFilters,
  limit: number,
  format: 'json' | 'csv' = 'json',
): string {
  const params = new URLSearchParams();
  if (filters.user) params.set('user', filters.user);
  if (filters.event) params.set('event', filters.event);
  if (filters.from) params.set('from', dayBoundary(filters.from, false));
  if (filters.to) params.set('to', dayBoundary(filters.to, true));
  params.set('limit', String(limit));
  if (format === 'csv') params.set('format', 'csv');
  return params.toString();
}

/** Where the CSV export of the entries matching the filters downloads from. */
export const accessLogCsvUrl = (filters: AccessLogFilters) =>
  `/api/v1/access-log?${accessLogParams(filters, MAX_ENTRIES, 'csv')}`;
