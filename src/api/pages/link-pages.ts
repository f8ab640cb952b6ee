/**
 * What every page behind a signed link shares: verifying its token (a tampered or malformed
 * one is a 400 page, an expired one a 410 page), the refusal pages, and the declaration the
 * routes spread (tag, no auth, token parameter, any query ignored, failures as pages).
 */
import type { Request, Response } from 'express';
import {
  LinkTokenError,
  type LinkClaims,
  type LinkPurpose,
  type LinkTokens,
} from '../../consent/link-tokens';
import { AppError } from '../../errors';
import type { HttpProblem } from '../middleware/error-handler';
import { page, pageQuery, sendLinkProblem, tokenParams } from './page';

/** What a page says of a link it cannot read. */
export const INVALID_LINK = 'This link is not valid. Please use the complete link from your email.';

/** A refused link; the page says why and that nothing changed. */
export const linkRefused = (kind: 'invalid' | 'gone' | 'conflict', message: string) =>
  new AppError(kind, kind === 'conflict' ? 'link_used' : 'link_refused', message);

/** Every failure of a link page is a page; invalid input of any kind reads as a bad link. */
export const renderLinkProblem = (error: HttpProblem, _req: Request, res: Response) =>
  sendLinkProblem(res, error.status, error.status === 400 ? INVALID_LINK : error.message);

/** The claims of a token for one of `purposes`; a refusal otherwise. */
export async function verifyLinkToken(
  tokens: LinkTokens,
  token: string,
  purposes: LinkPurpose[],
): Promise<LinkClaims> {
  try {
    return await tokens.verify(token, purposes);
  } catch (err) {
    if (!(err instanceof LinkTokenError)) throw err;
    throw err.problem === 'expired'
      ? linkRefused('gone', 'This link has expired.')
      : linkRefused('invalid', INVALID_LINK);
  }
}

/** The declaration a link page's routes spread. */
export const linkPageRoute = {
  tag: 'recipient pages',
  auth: 'none',
  request: { params: tokenParams, query: pageQuery },
  renderError: renderLinkProblem,
} as const;

/** The refusals every link page may answer, with what its 410 means. */
export const linkRefusals = (gone: string) => ({
  400: page('a tampered or malformed link'),
  410: page(gone),
});
