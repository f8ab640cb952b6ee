/**
 * Templates (feature `campaigns.create`): create, list, read, save a new version, and preview
 * a version for a contact (or a sample one) with the renderer the send uses. A template whose
 * merge fields are unknown, whose Liquid does not parse or whose MJML does not compile is
 * refused when saved, with every problem (400 `invalid_template`).
 */
import type { Response } from 'express';
import { z } from 'zod';
import { canSeeContact } from '../../auth/principal';
import type { CampaignActor, TemplateDocument } from '../../db/models/campaign';
import type { ContactDocument } from '../../db/models/contact';
import {
  createTemplate,
  present,
  previewTemplate,
  templateIdPattern,
  templateVersion,
  updateTemplate,
} from '../../campaigns/templates';
import type { MergeContact } from '../../campaigns/template';
import { notFound } from '../../errors';
import { tenantOf } from '../middleware/tenant-auth';
import { presentContact } from '../presenters/contact';
import { recordAccess } from '../record-access';
import { defineRoute } from '../route';

const idParams = z.strictObject({ id: z.string().regex(templateIdPattern, 'not a template id') });
const source = {
  subject: z.string().min(1).max(200),
  // Within the API's 100 kB JSON body.
  html: z.string().min(1).max(80_000),
  text: z.string().max(15_000).optional(),
};
const createBody = z.strictObject({ name: z.string().trim().min(1).max(200), ...source });
const updateBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  ...source,
});
const previewBody = z.strictObject({
  contactId: z
    .string()
    .regex(/^c[0-9a-f]{24}$/, 'not a contact id')
    .optional(),
  version: z.number().int().min(1).optional(),
});
const templateSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    version: z.number(),
    subject: z.string(),
    html: z.string(),
    text: z.string().optional(),
    mergeFields: z.array(z.string()),
    links: z.array(z.string()),
    updatedAt: z.string(),
  })
  .meta({ id: 'Template' });
const previewSchema = z.strictObject({ subject: z.string(), html: z.string(), text: z.string() });

const common = { tag: 'templates', auth: 'tenant', feature: 'campaigns.create' } as const;

const actorOf = (res: Response): CampaignActor => {
  const { principal } = tenantOf(res);
  return { kind: principal.kind, id: principal.id };
};

/** Who a preview is rendered for when no contact is named. */
const sampleContact: MergeContact = {
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  custom: {},
};

/** The template routes. */
export function templateRoutes() {
  return [
    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/templates',
      summary: 'Create a template',
      description:
        'The body is MJML (a document starting with `<mjml>`, compiled to responsive HTML) or HTML; merge fields are Liquid: `contact.email`, `contact.firstName`, `contact.lastName`, `contact.custom.<name>` (values HTML-escaped). Links may not hold merge fields. Every marketing message adds the unsubscribe and profile center links and the postal address to its footer.',
      request: { body: createBody },
      responses: { 201: { description: 'the template, version 1', schema: templateSchema } },
      async handler({ body }, _req, res) {
        res.status(201).json(await createTemplate(tenantOf(res).tenant, body, actorOf(res)));
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/templates',
      summary: 'List templates',
      description: 'Newest first, with their latest version.',
      responses: { 200: { description: 'the templates', schema: z.array(templateSchema) } },
      async handler(_input, _req, res) {
        const { tenant } = tenantOf(res);
        const docs = await tenant.models.Template.find()
          .sort({ updatedAt: -1 })
          .limit(500)
          .lean<TemplateDocument[]>();
        res.json(
          await Promise.all(
            docs.map(async (d) => present(d, (await templateVersion(tenant, d._id)).version)),
          ),
        );
      },
    }),

    defineRoute({
      ...common,
      method: 'get',
      path: '/api/v1/templates/:id',
      summary: 'Read a template',
      description: 'Its latest version.',
      request: { params: idParams },
      responses: { 200: { description: 'the template', schema: templateSchema } },
      async handler({ params }, _req, res) {
        const { template, version } = await templateVersion(tenantOf(res).tenant, params.id);
        res.json(present(template, version));
      },
    }),

    defineRoute({
      ...common,
      method: 'put',
      path: '/api/v1/templates/:id',
      summary: 'Save a new version of a template',
      description:
        'Checked like a create; campaigns already sent keep the version they were sent with.',
      request: { params: idParams, body: updateBody },
      responses: { 200: { description: 'the template, its new version', schema: templateSchema } },
      async handler({ params, body }, _req, res) {
        res.json(await updateTemplate(tenantOf(res).tenant, params.id, body, actorOf(res)));
      },
    }),

    defineRoute({
      ...common,
      method: 'post',
      path: '/api/v1/templates/:id/preview',
      summary: 'Preview a template for a contact',
      description:
        'Rendered by the server as a send renders it (links to their targets, no tracking, no footer) for the contact named, or for a sample contact; a contact outside your lists is 404.',
      request: { params: idParams, body: previewBody },
      responses: { 200: { description: 'the rendered message', schema: previewSchema } },
      async handler({ params, body }, _req, res) {
        const { tenant, principal } = tenantOf(res);
        const { version } = await templateVersion(tenant, params.id, body.version);
        let contact = sampleContact;
        if (body.contactId) {
          const doc = (await tenant.models.Contact.collection.findOne({
            _id: body.contactId as never,
          })) as ContactDocument | null;
          if (
            !doc ||
            typeof doc.email !== 'string' ||
            !canSeeContact(principal.permissions, Object.keys(doc.lists ?? {}))
          )
            throw notFound('contact');
          // As the caller may see it: fields they may not view come out masked.
          const shown = presentContact(doc, principal.permissions);
          contact = {
            email: shown.email ?? doc.email,
            firstName: shown.firstName ?? undefined,
            lastName: shown.lastName ?? undefined,
            custom: Object.fromEntries(
              Object.entries(shown.fields).filter((e): e is [string, string] => e[1] !== null),
            ),
          };
          await recordAccess(res, {
            event: 'personal_data.read',
            subjectId: doc._id,
            details: { source: 'template_preview' },
          });
        }
        res.json(await previewTemplate(version, contact));
      },
    }),
  ];
}
