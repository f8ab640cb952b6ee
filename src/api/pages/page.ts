/**
 * The minimal HTML pages recipients see (confirmation, unsubscribe, profile center, hosted
 * form). Every dynamic value is escaped; pages load nothing from elsewhere and cannot be
 * framed (a confirm or unsubscribe button must not be clickable through another site).
 */
import escapeHtml from 'escape-html';
import type { Response } from 'express';
import { z } from 'zod';

/** Escapes a value for HTML text or attribute content. */
export const esc = (value: unknown) => escapeHtml(String(value));

/** Sends a complete page with `status`; `body` must already be escaped HTML. */
export function sendPage(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .type('html')
    .set({
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    })
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
        `<meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${esc(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>` +
        `</head><body><h1>${esc(title)}</h1>${body}</body></html>`,
    );
}

/** The page for a refused link: what happened and that nothing changed. */
export function sendLinkProblem(res: Response, status: number, message: string): void {
  sendPage(
    res,
    status,
    'This link cannot be used',
    `<p>${esc(message)}</p><p>Nothing was changed.</p>`,
  );
}

/**
 * The query of a page: none is used, and any is ignored rather than refused, because link
 * trackers and campaign tools append their own parameters (`utm_source`, ...) to the links
 * recipients follow, and a recipient must not be turned away for that.
 */
export const pageQuery = z.object({});

/** A page response, as routes declare it. */
export const page = (description: string) => ({ description, contentType: 'text/html' });

/** The path parameter of the recipients' links: a compact JWS, refused as a bad link otherwise. */
export const tokenParams = z.strictObject({
  token: z
    .string()
    .max(2000)
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'not a link token'),
});
