/**
 * The tenant's templates: created and changed as new immutable versions (a campaign keeps the
 * version it was sent with), each checked and compiled when saved (src/campaigns/template.ts),
 * and previewed for a sample contact by the same renderer the send uses.
 */
import { randomBytes } from 'node:crypto';
import type {
  CampaignActor,
  TemplateDocument,
  TemplateVersionDocument,
} from '../db/models/campaign';
import type { TenantScope } from '../db/tenant-access';
import { AppError, notFound } from '../errors';
import {
  compileTemplate,
  renderTemplate,
  type MergeContact,
  type RenderedTemplate,
  type TemplateProblem,
  type TemplateSource,
} from './template';

/** A template id's format: `m` + 24 hex digits. */
export const templateIdPattern = /^m[0-9a-f]{24}$/;

/** A template that cannot be saved: every problem, by part. */
export class TemplateProblems extends AppError {
  constructor(readonly list: TemplateProblem[]) {
    super(
      'invalid',
      'invalid_template',
      `the template has ${list.length} problem${list.length === 1 ? '' : 's'}: ${list
        .slice(0, 3)
        .map((p) => `${p.field}: ${p.message}`)
        .join('; ')}`,
      { problems: list.map((p) => ({ node: p.field, field: p.field, message: p.message })) },
    );
  }
}

/** A template as the API shows it. */
export interface PresentedTemplate {
  id: string;
  name: string;
  version: number;
  subject: string;
  html: string;
  text?: string;
  mergeFields: string[];
  links: string[];
  updatedAt: string;
}

const versionId = (templateId: string, version: number) => `${templateId}:v${version}`;

/** Compiles the source, or throws every problem. */
async function compiled(source: TemplateSource) {
  const result = await compileTemplate(source);
  if (!result.ok) throw new TemplateProblems(result.problems);
  return result.template;
}

async function storeVersion(
  tenant: TenantScope,
  templateId: string,
  version: number,
  source: TemplateSource,
  by: CampaignActor,
  now: Date,
): Promise<TemplateVersionDocument> {
  const template = await compiled(source);
  const doc: TemplateVersionDocument = {
    _id: versionId(templateId, version),
    templateId,
    version,
    subject: template.subject,
    source: source.html,
    html: template.html,
    ...(template.text === undefined ? {} : { text: template.text }),
    links: template.links,
    linkTexts: template.linkTexts,
    mergeFields: template.mergeFields,
    createdAt: now,
    createdBy: by,
  };
  await tenant.models.TemplateVersion.create(doc);
  return doc;
}

/** Creates a template with its first version. */
export async function createTemplate(
  tenant: TenantScope,
  input: TemplateSource & { name: string },
  by: CampaignActor,
  now = new Date(),
): Promise<PresentedTemplate> {
  const id = `m${randomBytes(12).toString('hex')}`;
  const version = await storeVersion(tenant, id, 1, input, by, now);
  const doc: TemplateDocument = {
    _id: id,
    name: input.name,
    version: 1,
    createdAt: now,
    updatedAt: now,
    updatedBy: by,
  };
  await tenant.models.Template.create(doc);
  return present(doc, version);
}

/** Saves a new version of a template (and perhaps a new name). */
export async function updateTemplate(
  tenant: TenantScope,
  id: string,
  input: TemplateSource & { name?: string },
  by: CampaignActor,
  now = new Date(),
): Promise<PresentedTemplate> {
  const doc = await tenant.models.Template.findById(id).lean<TemplateDocument>();
  if (!doc) throw notFound('template');
  const next = doc.version + 1;
  // The version is claimed first: two saves at once cannot both write version n + 1.
  const claimed = await tenant.models.Template.updateOne(
    { _id: id, version: doc.version },
    {
      $set: {
        version: next,
        updatedAt: now,
        updatedBy: by,
        ...(input.name ? { name: input.name } : {}),
      },
    },
  );
  if (claimed.modifiedCount !== 1) throw notFound('template');
  try {
    const version = await storeVersion(tenant, id, next, input, by, now);
    return present(
      { ...doc, version: next, name: input.name ?? doc.name, updatedAt: now },
      version,
    );
  } catch (err) {
    // Refused source: the template stays at the version it was.
    await tenant.models.Template.updateOne(
      { _id: id, version: next },
      { $set: { version: doc.version, updatedAt: doc.updatedAt, updatedBy: doc.updatedBy } },
    );
    throw err;
  }
}

/** A template's version (its latest without one), or 404. */
export async function templateVersion(
  tenant: TenantScope,
  id: string,
  version?: number,
): Promise<{ template: TemplateDocument; version: TemplateVersionDocument }> {
  const template = await tenant.models.Template.findById(id).lean<TemplateDocument>();
  if (!template) throw notFound('template');
  const found = await tenant.models.TemplateVersion.findById(
    versionId(id, version ?? template.version),
  ).lean<TemplateVersionDocument>();
  if (!found) throw notFound('template version');
  return { template, version: found };
}

/** Renders a template's version for a sample contact, links pointing at their targets. */
export async function previewTemplate(
  version: TemplateVersionDocument,
  contact: MergeContact,
): Promise<RenderedTemplate> {
  return renderTemplate(version, contact, { links: version.links });
}

/** A template as the API shows it. */
export function present(
  doc: TemplateDocument,
  version: TemplateVersionDocument,
): PresentedTemplate {
  return {
    id: doc._id,
    name: doc.name,
    version: doc.version,
    subject: version.subject,
    html: version.source,
    ...(version.text === undefined ? {} : { text: version.text }),
    mergeFields: version.mergeFields,
    links: version.links,
    updatedAt: doc.updatedAt.toISOString(),
  };
}
