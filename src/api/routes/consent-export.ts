/**
 * `GET /api/v1/lists/:listId/consent-export`: every member of a list with status, dates and
 * the registration proof (IP and user agent of the subscription request, or of the
 * confirmation when no request was recorded, as for imports), as CSV streamed page by page.
 * Each export is a bulk read of personal data and goes into the access log.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { fieldMask } from '../../auth/field-masking';
import { hasMembership } from '../../db/memberships';
import type { ConsentRecordDocument } from '../../db/models/consent-record';
import type { TenantScope } from '../../db/tenant-access';

import { assertVisibleList, tenantOf } from '../middleware/tenant-auth';
import { consentExportColumns, presentConsentExportRow } from '../presenters/consent-export';
import { recordAccess } from '../record-access';
import { defineRoute } from '../route';
import { listIdParams } from '../schemas/list-id';

const PAGE = 500;

/** The members of a list, a page at a time, each with its registration proof. */
async function* membersWithProof(tenant: TenantScope, listId: string) {
  const { Contact, ConsentRecord } = tenant.models;
  let after = '';
  for (;;) {
    // The list id matched its pattern (listIdParams), so it is a safe field path.
    const contacts = await Contact.find(
      { _id: { $gt: after }, ...hasMembership(listId) },
      { email: 1, lists: 1 },
    )
      .sort({ _id: 1 })
      .limit(PAGE)
      .lean();
    if (contacts.length === 0) return;
    after = contacts[contacts.length - 1]!._id;
    const records = await ConsentRecord.find({
      listId,
      contactId: { $in: contacts.map((c) => c._id) },
      action: { $in: ['requested', 'confirmed'] },
    })
      .sort({ at: 1 })
      .lean();
    // The earliest request, else the earliest confirmation: where registration happened.
    const proof = new Map<string, ConsentRecordDocument>();
    for (const r of records) {
      const known = proof.get(r.contactId);
      if (!known || (known.action !== 'requested' && r.action === 'requested'))
        proof.set(r.contactId, r);
    }
    for (const contact of contacts) {
      const membership = contact.lists[listId];
      if (membership) yield { contact, membership, proof: proof.get(contact._id) };
    }
  }
}

/** The export route. */
export const consentExportRoutes = () => [
  defineRoute({
    method: 'get',
    path: '/api/v1/lists/:listId/consent-export',
    readsPersonalData: true,
    tag: 'consent',
    summary: 'Export a list’s consent proof as CSV',
    description: `Columns: ${consentExportColumns.join(', ')}. \`ip\` and \`userAgent\` are those of the subscription request (else of the confirmation, as for imports). Fields the caller may not view are \`***\`: \`email\` under the \`email\` field permission, \`ip\` and \`userAgent\` under \`consentIp\`.`,
    auth: 'tenant',
    feature: 'contacts.export',
    request: { params: listIdParams },
    responses: { 200: { description: 'the CSV, with a header row', contentType: 'text/csv' } },
    async handler({ params }, _req, res) {
      const { tenant, principal } = tenantOf(res);
      const { listId } = params;
      await assertVisibleList(res, listId);
      // A bulk read of personal data (addresses, IPs): logged when it starts, like the contact
      // export, so an interrupted export counts too.
      await recordAccess(res, {
        event: 'personal_data.read',
        details: { source: 'consent_export', listId },
      });
      res.type('text/csv; charset=utf-8').attachment(`consent-${listId}.csv`);
      async function* rows() {
        for await (const { contact, membership, proof } of membersWithProof(tenant, listId))
          yield presentConsentExportRow(
            fieldMask(principal.permissions),
            contact,
            membership,
            proof,
          );
      }
      // pipeline() handles back-pressure and stops reading when the client goes away.
      await pipeline(
        Readable.from(rows()),
        stringify({ header: true, columns: [...consentExportColumns] }),
        res,
      );
    },
  }),
];
