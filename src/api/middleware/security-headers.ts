/**
 * Security headers on every response (helmet): a strict content security policy for the
 * console, no MIME sniffing, no framing, no referrer leaks; HSTS only when the api itself
 * serves HTTPS (over plain HTTP it would be ignored, or pin a proxy's host by mistake).
 */
import helmet from 'helmet';

/** Builds the header middleware. */
export const securityHeaders = (https: boolean) =>
  helmet({
    contentSecurityPolicy: {
      directives: {
        // Without HTTPS, upgrading subresource requests would break the local console.
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
