/**
 * Opens and clicks of an automation's mails, so a run can wait for them (`wait_for_event`
 * `open`/`click` of a send step) and they count as the contact's activity. A message is
 * tracked as a campaign's is (src/campaigns/tracking.ts): only when its list tracks and the
 * subject has not objected; then its links point at signed click redirects that name the
 * send step and the link's index (never a URL), and a pixel is added. Test runs of a draft
 * are never tracked: their definition is no published version a redirect could read.
 *
 * A message is named by `<automationId>.<version>.<node>`: the redirect finds the link in that
 * version's step, which never changes.
 */
import { load } from 'cheerio';
import { linksOf } from '../campaigns/template';

/** A tracked message's reference, as its tokens carry it. */
export interface AutomationMessage {
  automationId: string;
  version: number;
  node: string;
}

const refPattern = /^(a[0-9a-f]{24})\.(\d{1,6})\.([A-Za-z][A-Za-z0-9_-]{0,39})$/;

/** The reference of a send step's message in one version. */
export const automationMessageRef = (m: AutomationMessage) =>
  `${m.automationId}.${m.version}.${m.node}`;

/** The message a reference names, or null for one that is not an automation's. */
export function parseAutomationMessageRef(ref: string): AutomationMessage | null {
  const match = refPattern.exec(ref);
  return match ? { automationId: match[1]!, version: Number(match[2]), node: match[3]! } : null;
}

/** The target of a send step's link `index` (the step as published). */
export const linkOfStep = (stepHtml: string, index: number): string | undefined =>
  linksOf(stepHtml)[index]?.url;

/**
 * A rendered mail with its links pointed at their click redirects and an open pixel added.
 * Links are matched by their address in the step as written: one that holds a merge field
 * (different per contact) is left as it is, untracked.
 */
export async function trackedHtml(
  rendered: string,
  stepHtml: string,
  urls: { open: () => Promise<string>; click: (index: number) => Promise<string> },
): Promise<string> {
  const links = linksOf(stepHtml).map((l) => l.url);
  const $ = load(rendered);
  const anchors = $('a[href]').toArray();
  for (const anchor of anchors) {
    const index = links.indexOf(($(anchor).attr('href') ?? '').trim());
    if (index >= 0) $(anchor).attr('href', await urls.click(index));
  }
  const pixel = `<img src="${await urls.open()}" width="1" height="1" alt="" style="display:block">`;
  if ($('body').length > 0) $('body').append(pixel);
  else $.root().append(pixel);
  return $('body').length > 0 ? $.html() : $.root().html()!;
}
