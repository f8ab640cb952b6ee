/**
 * Contact search by exact email (the deterministic ciphertext of the normalised address
 * gives the contact id) and contact read with list memberships and the consent timeline.
 */
import { Router } from 'express';
import { z } from 'zod';
import { contactIdFor } from '../../db/models/contact';
import { normaliseEmail } from '../../domain/email-address';
import { badRequest, notFound } from '../errors';
import { requireFeature, tenantOf } from '../middleware/tenant-auth';
import { presentConsent, presentContact } from '../presenters/contact';

const searchQuery = z.strictObject({ email: z.string().min(1).max(254) });

/** Builds the contact routes (mounted behind tenant authentication). */
export function contactRoutes(): Router {
  const router = Router();

  router.get('/api/v1/contacts', requireFeature('contacts.view'), async (req, res) => {
    const query = searchQuery.parse(req.query);
    const email = normaliseEmail(query.email);
    if (!email) throw badRequest('email: not a valid email address');
    const { tenant } = tenantOf(res);
    const id = contactIdFor(await tenant.searchable(email));
    const found = await tenant.models.Contact.findById(id).lean();
    res.json({ contacts: found ? [presentContact(found)] : [] });
  });

  router.get('/api/v1/contacts/:id', requireFeature('contacts.view'), async (req, res) => {
    const { tenant } = tenantOf(res);
    const contact =
      typeof req.params.id === 'string'
        ? await tenant.models.Contact.findById(req.params.id).lean()
        : null;
    if (!contact) throw notFound('contact');
    const consent = await tenant.models.ConsentRecord.find({ contactId: contact._id })
      .sort({ at: 1 })
      .lean();
    res.json({ ...presentContact(contact), consent: consent.map(presentConsent) });
  });

  return router;
}
