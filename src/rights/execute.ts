/**
 * What each right does to the subject's data once the request is verified. Every step is
 * idempotent (a retried activity repeats it harmlessly) and returns counts for the evidence,
 * never personal data.
 *
 * - access, portability: the archive of everything held (subject-data.ts, archive.ts);
 * - erasure: every trace removed (erase-subject.ts) and the address suppressed;
 * - restriction: `restrictedAt` set (or, for a lift, removed): sends, sweeps and marketing
 *   exports leave the contact out (src/db/memberships.ts `unrestricted`);
 * - objection: tracking and profiling stopped for one list or all (`trackingObjection`), or
 *   lifted;
 * - rectification: the changes applied through the contact edit's validation.
 */
import type { RightsRequestDocument } from '../db/models/rights-request';
import type { TenantScope } from '../db/tenant-access';
import { archiveExpiresAt } from './deadlines';
import { buildArchive, storeArchive } from './archive';
import { collectSubjectData } from './subject-data';
import { applyRectification, type Rectification } from './rectification';
import { eraseSubject, type EraseSubjectDeps } from './erase-subject';

/** What executing a request did: counts and flags for `result` and the evidence. */
export type RightsOutcome = Record<string, string | number | boolean>;

/** What execution needs besides the tenant. */
export type ExecuteDeps = EraseSubjectDeps;

/**
 * Runs `update` until `applied` reads its effect back. FerretDB replaces a whole document on
 * each update, so a concurrent write to the same contact (another request, a profile visit)
 * can undo this one; a few repeats make it stick.
 */
async function untilApplied(update: () => Promise<unknown>, applied: () => Promise<boolean>) {
  for (let attempt = 0; attempt < 5; attempt++) {
    await update();
    if (await applied()) return;
    await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
  }
  throw new Error('the contact kept changing; the step is retried');
}

/** Executes a verified request; what it did. */
export async function executeRequest(
  deps: ExecuteDeps,
  tenant: TenantScope,
  request: RightsRequestDocument,
  now: Date,
): Promise<{ outcome: RightsOutcome; archive?: RightsRequestDocument['archive'] }> {
  const { Contact } = tenant.models;
  const contactId =
    request.contactId && (await Contact.exists({ _id: request.contactId }))
      ? request.contactId
      : undefined;
  switch (request.type) {
    case 'access':
    case 'portability': {
      const data = await collectSubjectData(tenant, contactId);
      const zip = await buildArchive(data, request.type, now);
      const chunks = await storeArchive(tenant, request._id, zip);
      const rows = Object.values(data).reduce((n, r) => n + r.length, 0);
      return {
        outcome: { held: contactId !== undefined, rows, bytes: zip.length },
        archive: { chunks, bytes: zip.length, expiresAt: archiveExpiresAt(now) },
      };
    }
    case 'erasure': {
      const email = typeof request.email === 'string' ? request.email : undefined;
      return {
        outcome: await eraseSubject(deps, tenant, {
          requestId: request._id,
          contactId: request.contactId,
          email,
        }),
      };
    }
    case 'restriction': {
      if (!contactId) return { outcome: { held: false } };
      const lift = request.scope?.lift === true;
      await untilApplied(
        () =>
          Contact.updateOne(
            { _id: contactId },
            lift ? { $unset: { restrictedAt: 1 } } : { $set: { restrictedAt: now } },
          ),
        async () =>
          ((await Contact.findById(contactId, { restrictedAt: 1 }).lean())?.restrictedAt !==
            undefined) !==
          lift,
      );
      return { outcome: { held: true, restricted: !lift } };
    }
    case 'objection': {
      if (!contactId) return { outcome: { held: false } };
      const list = request.scope?.listId ?? '*';
      const lift = request.scope?.lift === true;
      await untilApplied(
        () =>
          Contact.updateOne(
            { _id: contactId },
            lift
              ? { $pull: { trackingObjection: list } }
              : { $addToSet: { trackingObjection: list } },
          ),
        async () =>
          (
            (await Contact.findById(contactId, { trackingObjection: 1 }).lean())
              ?.trackingObjection ?? []
          ).includes(list) !== lift,
      );
      return {
        outcome: {
          held: true,
          scope: list === '*' ? 'all lists' : list,
          lifted: request.scope?.lift === true,
        },
      };
    }
    case 'rectification': {
      if (!contactId) return { outcome: { held: false } };
      const changes = (
        typeof request.changes === 'string' ? JSON.parse(request.changes) : {}
      ) as Rectification;
      await applyRectification(tenant, contactId, changes);
      return {
        outcome: {
          held: true,
          fields:
            Object.keys(changes).length +
            Object.keys(changes.fields ?? {}).length -
            (changes.fields ? 1 : 0),
        },
      };
    }
  }
}
