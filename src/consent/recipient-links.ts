/**
 * The URLs recipients get: confirm or renew (`/c/:token`), keep-me (`/k/:token`),
 * one-click unsubscribe (`/u/:token`), the profile center (`/p/:token`), a rights request's
 * identity check and archive download (`/r/:token`) and a campaign's open pixel and tracked
 * links (`/t/o/:token`, `/t/c/:token`), each with a
 * signed, expiring token of opaque ids.
 */
import type { LinkClaims, LinkTokens } from './link-tokens';

/** How long unsubscribe and profile links in a message keep working. */
export const STANDING_LINK_DAYS = 365;

/** The link builder. */
export type RecipientLinks = ReturnType<typeof createRecipientLinks>;

/** Creates the link builder for the public base URL. */
export function createRecipientLinks(tokens: LinkTokens, publicUrl: string) {
  const base = publicUrl.replace(/\/+$/, '');
  const standing = () => new Date(Date.now() + STANDING_LINK_DAYS * 86_400_000);
  return {
    /** Confirms a subscription or renews consent, until `expiresAt`. */
    async action(claims: LinkClaims, expiresAt: Date): Promise<string> {
      const path = claims.purpose === 'keep' ? 'k' : 'c';
      return `${base}/${path}/${await tokens.sign(claims, expiresAt)}`;
    },
    /** One-click unsubscribe from one list; `ref` names the campaign whose message it is in. */
    async unsubscribe(
      tenantId: string,
      contactId: string,
      listId: string,
      ref?: string,
    ): Promise<string> {
      const claims = { tenantId, purpose: 'unsubscribe' as const, contactId, listId, ref };
      return `${base}/u/${await tokens.sign(claims, standing())}`;
    },
    /**
     * A tracked message's open pixel (`/t/o/:token`); `messageRef` names the message: a
     * campaign id, or an automation's send step (src/automations/tracking.ts).
     */
    async open(tenantId: string, contactId: string, listId: string, messageRef: string) {
      const claims = { tenantId, purpose: 'open' as const, contactId, listId, ref: messageRef };
      return `${base}/t/o/${await tokens.sign(claims, standing())}`;
    },
    /**
     * The token a message's `X-Consentflow-Feedback` header carries: bounce and complaint
     * reports quote the original's headers, and it names tenant, contact, list and message.
     */
    feedback(tenantId: string, contactId: string, listId: string, messageRef: string) {
      const claims = { tenantId, purpose: 'feedback' as const, contactId, listId, ref: messageRef };
      return tokens.sign(claims, standing());
    },
    /** A tracked message's link (`/t/c/:token`): it names the link by its index. */
    async click(
      tenantId: string,
      contactId: string,
      listId: string,
      messageRef: string,
      index: number,
    ) {
      const ref = `${messageRef}:${index}`;
      const claims = { tenantId, purpose: 'click' as const, contactId, listId, ref };
      return `${base}/t/c/${await tokens.sign(claims, standing())}`;
    },
    /**
     * A rights request's page, until `expiresAt`: its identity check (`/r/:token`) or its
     * archive's download (`/r/:token/export`). `none` stands for an address not held.
     */
    async rightsRequest(
      purpose: 'rights-verify' | 'rights-export',
      ref: { tenantId: string; requestId: string; contactId?: string },
      expiresAt: Date,
    ): Promise<string> {
      const claims = {
        tenantId: ref.tenantId,
        purpose,
        contactId: ref.contactId ?? 'none',
        ref: ref.requestId,
      };
      const token = await tokens.sign(claims, expiresAt);
      return `${base}/r/${token}${purpose === 'rights-export' ? '/export' : ''}`;
    },
    /** The recipient's profile center. */
    async profile(tenantId: string, contactId: string): Promise<string> {
      return `${base}/p/${await tokens.sign({ tenantId, purpose: 'profile', contactId }, standing())}`;
    },
  };
}
