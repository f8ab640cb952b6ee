/**
 * `GET /api/v1/lists/:listId/consent-export`: every member of a list with status, dates and
 * the registration proof (IP and user agent of the subscription request, or of the
 * confirmation when no request was recorded, as for imports), as CSV streamed page by page.
 */
import { stringify } from 'csv-stringify';
import { Router } from 'express';
import { canSeeList } from '../../auth/principal';
import type { ConsentRecordDocument } from '../../db/models/consent-record';
import { notFound } from '../errors';
import { requireFeature, tenantOf } from '../middleware/tenant-auth';
import { consentExportColumns, presentConsentExportRow } from '../presenters/consent-export';

const PAGE = 500;

/** Builds the export route (mounted behind tenant authentication). */
export function consentExportRoutes(): Router {
  return Router().get(
    '/api/v1/lists/:listId/consent-export',
    requireFeature('contacts.export'),
    async (req, res) => {
      const { tenant, principal } = tenantOf(res);
      const listId = String(req.params.listId);
      if (
        !canSeeList(principal.permissions, listId) ||
        !(await tenant.models.List.exists({ _id: listId }))
      )
        throw notFound('list');
      const { Contact, ConsentRecord } = tenant.models;
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .set('Content-Disposition', `attachment; filename="consent-${listId}.csv"`);
      const csv = stringify({ header: true, columns: [...consentExportColumns] });
      csv.pipe(res);
      let after = '';
      for (;;) {
        const contacts = await Contact.find(
          { _id: { $gt: after }, [`lists.${listId}`]: { $exists: true } },
          { email: 1, lists: 1 },
        )
          .sort({ _id: 1 })
          .limit(PAGE)
          .lean();
        if (contacts.length === 0) break;
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
          if (!membership) continue;
          if (
            !csv.write(
              presentConsentExportRow(
                principal.permissions,
                contact,
                membership,
                proof.get(contact._id),
              ),
            )
          )
            await new Promise((resolve) => csv.once('drain', resolve));
        }
      }
      csv.end();
    },
  );
}
