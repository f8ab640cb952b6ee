/**
 * Templates and campaigns of a tenant. A template keeps its versions (immutable once saved; a
 * campaign sends the version it was sent with); a campaign resolves its audience into one
 * recipient record per contact when its send starts, and each record is the idempotency key
 * of that contact's one message. Opens and clicks are events keyed by campaign, contact and
 * kind, so each is counted once. Ids and counts only: the messages themselves are not kept.
 */
import type { Condition } from '../../domain/automation-definition';
import { Schema, type Connection } from 'mongoose';

const actor = {
  kind: { type: String, enum: ['user', 'api_key'], required: true },
  id: { type: String, required: true },
};

/** Who changed something. */
export interface CampaignActor {
  kind: 'user' | 'api_key';
  id: string;
}

/** A template: its name and latest version. */
export interface TemplateDocument {
  /** `m<24 hex>`. */
  _id: string;
  name: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: CampaignActor;
}

/** One immutable version of a template: what was written and what it compiled to. */
export interface TemplateVersionDocument {
  /** `<templateId>:v<n>`. */
  _id: string;
  templateId: string;
  version: number;
  subject: string;
  /** As written (MJML or HTML). */
  source: string;
  /** The HTML the MJML compiled to (the source itself for HTML). */
  html: string;
  text?: string;
  /** The http(s) links of the HTML, in order; the HTML names each by its index. */
  links: string[];
  /** Per link, the text of an anchor to it that reads as an address ('' when none does). */
  linkTexts: string[];
  mergeFields: string[];
  createdAt: Date;
  createdBy: CampaignActor;
}

export const campaignStatuses = [
  'draft',
  'scheduled',
  'sending',
  'paused',
  'sent',
  'cancelled',
] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

/** A campaign. */
export interface CampaignDocument {
  /** `k<24 hex>`. */
  _id: string;
  name: string;
  listIds: string[];
  templateId: string;
  /** The version it sends: fixed when the send starts. */
  templateVersion?: number;
  tracking: boolean;
  /** Narrows the lists' audience (src/campaigns/segment.ts); names fields, never values of a contact. */
  segment?: Condition;
  /** One of the tenant's sending domains to send from (verified at create and send). */
  sendingDomainId?: string;
  /** When to send (a scheduled campaign waits until then). */
  sendAt?: Date;
  status: CampaignStatus;
  /** How many recipients the audience resolved to. */
  recipients?: number;
  /** How many pages of recipients the send walks (src/campaigns/recipient-pages.ts). */
  pages?: number;
  startedAt?: Date;
  finishedAt?: Date;
  createdAt: Date;
  createdBy: CampaignActor;
  updatedAt: Date;
}

export const recipientStatuses = ['queued', 'sent', 'skipped', 'failed'] as const;

/** One contact's message of a campaign. */
export interface CampaignRecipientDocument {
  /** `<campaignId>:<contactId>`. */
  _id: string;
  listId: string;
  status: (typeof recipientStatuses)[number];
  /** Why a queued recipient got nothing at send time (left the list, restricted…). */
  reason?: string;
  sentAt?: Date;
}

export const campaignEventKinds = ['open', 'click', 'unsubscribe', 'bounce', 'complaint'] as const;
export type CampaignEventKind = (typeof campaignEventKinds)[number];

/** An open, a click or an unsubscribe of a recipient, recorded once. */
export interface CampaignEventDocument {
  /** `<campaignId>:<contactId>:<kind>`. */
  _id: string;
  kind: CampaignEventKind;
  at: Date;
}

const templateSchema = new Schema<TemplateDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: actor,
  },
  { strict: 'throw', versionKey: false },
);

const templateVersionSchema = new Schema<TemplateVersionDocument>(
  {
    _id: { type: String, required: true },
    templateId: { type: String, required: true },
    version: { type: Number, required: true },
    subject: { type: String, required: true },
    source: { type: String, required: true },
    html: { type: String, required: true },
    text: { type: String },
    links: { type: [String], required: true },
    linkTexts: { type: [String], default: [] },
    mergeFields: { type: [String], required: true },
    createdAt: { type: Date, required: true },
    createdBy: actor,
  },
  { strict: 'throw', versionKey: false },
);

const campaignSchema = new Schema<CampaignDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    listIds: { type: [String], required: true },
    templateId: { type: String, required: true },
    templateVersion: { type: Number },
    tracking: { type: Boolean, required: true },
    // Checked by the route's schema (conditionSchema) before it is stored.
    segment: { type: Schema.Types.Mixed },
    sendingDomainId: { type: String },
    sendAt: { type: Date },
    status: { type: String, enum: campaignStatuses, required: true },
    recipients: { type: Number },
    pages: { type: Number },
    startedAt: { type: Date },
    finishedAt: { type: Date },
    createdAt: { type: Date, required: true },
    createdBy: actor,
    updatedAt: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

const recipientSchema = new Schema<CampaignRecipientDocument>(
  {
    _id: { type: String, required: true },
    listId: { type: String, required: true },
    status: { type: String, enum: recipientStatuses, required: true },
    reason: { type: String },
    sentAt: { type: Date },
  },
  { strict: 'throw', versionKey: false },
);

/**
 * A page of a campaign's recipients, in the order the send takes them: `_id` =
 * `<campaignId>:<n>`, `ids` its contacts. Read by `_id` alone, which every MongoDB-wire server
 * answers from the index; deleted when the send ends.
 */
export interface CampaignPageDocument {
  _id: string;
  ids: string[];
}

const pageSchema = new Schema<CampaignPageDocument>(
  {
    _id: { type: String, required: true },
    ids: { type: [String], required: true },
  },
  { strict: 'throw', versionKey: false },
);

const eventSchema = new Schema<CampaignEventDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: campaignEventKinds, required: true },
    at: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

/** Binds the campaign models to a tenant database. */
export const campaignModels = (db: Connection) => ({
  Template: db.model('Template', templateSchema, 'templates'),
  TemplateVersion: db.model('TemplateVersion', templateVersionSchema, 'template_versions'),
  Campaign: db.model('Campaign', campaignSchema, 'campaigns'),
  CampaignRecipient: db.model('CampaignRecipient', recipientSchema, 'campaign_recipients'),
  CampaignEvent: db.model('CampaignEvent', eventSchema, 'campaign_events'),
  CampaignPage: db.model('CampaignPage', pageSchema, 'campaign_pages'),
});
