/**
 * Signed, expiring tokens in recipients' links (confirm, renew, unsubscribe, profile,
 * re-permission). They are JWS (HS256, via jose) carrying opaque ids only: the tenant in the
 * header's `kid`, the purpose and the contact, list or subscription ids in the claims. Each
 * tenant gets its own HMAC key, derived (HKDF) from the install's link secret, so a token of
 * one tenant can never be replayed against another.
 */
import { hkdfSync } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from 'jose';
import { tenantIdPattern } from '../db/names';

/** What a link lets its holder do. */
export type LinkPurpose =
  | 'confirm'
  | 'renew'
  | 'unsubscribe'
  | 'profile'
  | 'keep'
  /** A rights request's identity check (`ref`: the request). */
  | 'rights-verify'
  /** The download of a rights request's archive (`ref`: the request). */
  | 'rights-export'
  /** A campaign's open pixel (`ref`: the campaign). */
  | 'open'
  /** A campaign's tracked link (`ref`: `<campaign>:<link index>`: a link, never a URL). */
  | 'click'
  /**
   * The message a bounce or complaint report is about (`ref`: the campaign), carried in the
   * message's `X-Consentflow-Feedback` header, which reports quote (src/campaigns/feedback.ts).
   */
  | 'feedback';

/** The claims of a link: opaque ids only. */
export interface LinkClaims {
  tenantId: string;
  purpose: LinkPurpose;
  /** The contact; `none` for a rights request about an address the tenant does not hold. */
  contactId: string;
  listId?: string;
  /** The subscription (confirm) or the renewal cycle (renew) the link belongs to. */
  ref?: string;
}

/** Why a token was refused; each gets its own page. */
export type LinkProblem = 'invalid' | 'expired';

/** Thrown for a token that is tampered with, malformed, for another purpose, or expired. */
export class LinkTokenError extends Error {
  constructor(readonly problem: LinkProblem) {
    super(problem === 'expired' ? 'link expired' : 'invalid link');
    this.name = 'LinkTokenError';
  }
}

/** The token signer/verifier. */
export type LinkTokens = ReturnType<typeof createLinkTokens>;

/** Creates the signer/verifier over the install's link secret. */
export function createLinkTokens(secret: string) {
  const keys = new Map<string, Uint8Array>();
  const keyOf = (tenantId: string) => {
    let key = keys.get(tenantId);
    if (!key) {
      key = new Uint8Array(hkdfSync('sha256', secret, tenantId, 'consentflow link', 32));
      keys.set(tenantId, key);
    }
    return key;
  };

  return {
    /** Signs a link valid until `expiresAt`. */
    sign(claims: LinkClaims, expiresAt: Date): Promise<string> {
      const { tenantId, purpose, contactId, listId, ref } = claims;
      return new SignJWT({
        p: purpose,
        c: contactId,
        ...(listId ? { l: listId } : {}),
        ...(ref ? { r: ref } : {}),
      })
        .setProtectedHeader({ alg: 'HS256', kid: tenantId })
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(keyOf(tenantId));
    },

    /** Verifies a token for one of `purposes`; throws LinkTokenError otherwise. */
    async verify(token: string, purposes: readonly LinkPurpose[]): Promise<LinkClaims> {
      let tenantId: string | undefined;
      try {
        tenantId = decodeProtectedHeader(token).kid;
      } catch {
        throw new LinkTokenError('invalid');
      }
      if (!tenantId || !tenantIdPattern.test(tenantId)) throw new LinkTokenError('invalid');
      try {
        const { payload } = await jwtVerify(token, keyOf(tenantId), {
          algorithms: ['HS256'],
          requiredClaims: ['exp'],
        });
        const purpose = payload.p as LinkPurpose;
        if (!purposes.includes(purpose) || typeof payload.c !== 'string')
          throw new LinkTokenError('invalid');
        return {
          tenantId,
          purpose,
          contactId: payload.c,
          ...(typeof payload.l === 'string' ? { listId: payload.l } : {}),
          ...(typeof payload.r === 'string' ? { ref: payload.r } : {}),
        };
      } catch (err) {
        if (err instanceof LinkTokenError) throw err;
        if (err instanceof errors.JWTExpired) throw new LinkTokenError('expired');
        throw new LinkTokenError('invalid');
      }
    },
  };
}
