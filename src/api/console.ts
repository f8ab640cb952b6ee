/**
 * Serves the web console (ui/, built by Vite into ui/dist) under /console/: hashed assets
 * cached for good, and index.html for every console path (the router in the browser picks
 * the page), never cached, with a fresh nonce in a strict Content-Security-Policy: scripts
 * and styles only from this origin or carrying that nonce, nothing framed, no plugins.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import escapeHtml from 'escape-html';
import { projectRoot } from '../util/project-root';

/** Where `npm run build:ui` writes the console. */
export const consoleDist = path.join(projectRoot, 'ui', 'dist');
const NONCE_PLACEHOLDER = /__CSP_NONCE__/g;

const csp = (nonce: string) =>
  [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    // The TOTP enrolment QR code is a PNG data URL.
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

/** The console routes; `temporalWebUi` is the Web UI's namespace page the console links to. */
export function consoleRoutes(options: { temporalWebUi?: string }): Router {
  const router = Router();
  const indexFile = path.join(consoleDist, 'index.html');
  const temporalMeta = `<meta name="consentflow-temporal-ui" content="${escapeHtml(options.temporalWebUi ?? '')}" />`;
  // Read per page load (a few kB, and rare): a rebuilt console is served without a restart.
  const readIndex = () =>
    existsSync(indexFile)
      ? readFileSync(indexFile, 'utf8').replace(
          '<meta name="consentflow-temporal-ui" content="" />',
          temporalMeta,
        )
      : undefined;

  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use(
    '/console/assets',
    express.static(path.join(consoleDist, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
    }),
  );
  router.get(['/console', '/console/*path'], (req, res, next) => {
    // A missing asset is a 404, not the console's page.
    if (req.path.startsWith('/console/assets/')) return next();
    const index = readIndex();
    if (!index) {
      res
        .status(503)
        .type('text/plain')
        .send('The web console is not built. Run `npm run build:ui` (npm start does it too).');
      return;
    }
    const nonce = randomBytes(16).toString('base64');
    res
      .set('Content-Security-Policy', csp(nonce))
      .set('Cache-Control', 'no-cache')
      .type('html')
      .send(index.replace(NONCE_PLACEHOLDER, nonce));
  });
  return router;
}
