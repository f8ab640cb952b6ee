/**
 * Every link of an automation's mails is checked before the automation goes live, as a
 * campaign's are before a send (src/campaigns/link-check.ts): a version is immutable once
 * published, so publishing is the last moment a blocked link can be stopped.
 */
import { linksOf } from '../campaigns/template';
import type { LinkChecker, LinkVerdict } from '../campaigns/link-check';
import type { AutomationDefinition } from '../domain/automation-definition';
import { AppError } from '../errors';

/** A link's verdict, with the send step it is in. */
export interface NodeLinkVerdict extends LinkVerdict {
  node: string;
}

/** Checks the links of every send step of a definition. */
export async function checkAutomationLinks(
  checker: Pick<LinkChecker, 'check'>,
  definition: AutomationDefinition,
  tenantId?: string,
): Promise<NodeLinkVerdict[]> {
  const found = definition.nodes.flatMap((node) =>
    node.type === 'send_email' ? linksOf(node.html).map((link) => ({ node: node.id, link })) : [],
  );
  if (found.length === 0) return [];
  const verdicts = await checker.check(
    found.map((f) => f.link),
    { tenantId },
  );
  return verdicts.map((verdict, i) => ({ ...verdict, node: found[i]!.node }));
}

/** Refuses (422 `links_blocked`) a definition with a blocked link, naming its step and why. */
export function assertNoBlockedAutomationLinks(verdicts: readonly NodeLinkVerdict[]): void {
  const blocked = verdicts.filter((v) => v.verdict === 'blocked');
  if (blocked.length === 0) return;
  throw new AppError(
    'unprocessable',
    'links_blocked',
    `${blocked.length} link${blocked.length === 1 ? '' : 's'} blocked: ${blocked
      .map((v) => `${v.url} in ${v.node} (${v.reason})`)
      .join('; ')}`,
    {
      problems: blocked.map((v) => ({
        node: v.node,
        field: 'html',
        message: [
          `${v.url}: ${v.reason}`,
          ...(v.hops.length ? [`via ${v.hops.join(' → ')}`] : []),
        ].join(', '),
      })),
    },
  );
}
