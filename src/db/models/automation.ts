/**
 * Marketer-designed automations (src/automations) as stored: the automation with its draft,
 * its immutable published versions, one entry record per automation and contact (how often
 * and when the contact entered: the re-entry rules read it), one record per run (where the
 * contact is and the path it took: statistics are counted from these), the custom events
 * posted for contacts, and the automation mails each contact got (the frequency cap counts
 * them).
 *
 * A definition holds no personal data (see src/domain/automation-definition.ts); records
 * keyed by contact hold the opaque contact id only, and an erasure deletes them. Keys that
 * start with the automation or contact id let a reader take one automation's or one contact's
 * records by an `_id` range, which every MongoDB-wire server answers from its primary index.
 */
import { Schema, type Connection } from 'mongoose';
import type { AutomationDefinition } from '../../domain/automation-definition';

/** Where an automation is in its life. */
export const automationStatuses = ['draft', 'active', 'paused', 'archived'] as const;
export type AutomationStatus = (typeof automationStatuses)[number];

/** Who changed an automation: a console user or an API key. */
export interface AutomationActor {
  kind: 'user' | 'api_key';
  id: string;
}

/** An automation: its name, status, draft and the version contacts enter now. */
export interface AutomationDocument {
  /** `a` + 24 hex digits. */
  _id: string;
  name: string;
  status: AutomationStatus;
  /** The definition being edited; it may be invalid until published. */
  draft: unknown;
  /** The version new contacts enter (absent until first published). */
  publishedVersion?: number;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: AutomationActor;
}

/** A published version: never changed, so a run interprets what it entered with. */
export interface AutomationVersionDocument {
  /** `<automationId>:v<version>`. */
  _id: string;
  automationId: string;
  version: number;
  definition: AutomationDefinition;
  publishedAt: Date;
  publishedBy: AutomationActor;
}

/** How a contact stands with an automation across runs. */
export interface AutomationEntryDocument {
  /** `<automationId>:<contactId>`. */
  _id: string;
  /** Runs started so far; the latest run is number `runs`. */
  runs: number;
  /** Whether run `runs` is still going. */
  active: boolean;
  lastEnteredAt: Date;
  lastExitedAt?: Date;
}

/** Where a run stands. */
export const runStatuses = ['running', 'waiting', 'held', 'completed', 'exited', 'failed'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** How one step of a run went. */
export const stepOutcomes = [
  'done',
  'skipped',
  'waited',
  'event',
  'timeout',
  'failed',
  'goal',
] as const;
export type StepOutcome = (typeof stepOutcomes)[number];

/** One step a run took. */
export interface RunStep {
  node: string;
  at: Date;
  outcome: StepOutcome;
  /** The branch taken (`yes`, `no`, a split's index) or why a step was skipped. */
  detail?: string;
}

/** A contact's run through one version of an automation. */
export interface AutomationRunDocument {
  /** `<automationId>:<contactId>:<run>`; a test run's `<run>` starts with `t`. */
  _id: string;
  automationId: string;
  contactId: string;
  version: number;
  /** A test of the draft: its definition is kept here, its delays are compressed. */
  test?: { definition: AutomationDefinition };
  status: RunStatus;
  /** The node the run is at. */
  node: string;
  /** While waiting: until when (ISO), at most. */
  waitingUntil?: Date;
  enteredAt: Date;
  endedAt?: Date;
  /** Why it ended before an end node: `exit_event`, `left_list`, `archived`, a goal's id… */
  endReason?: string;
  path: RunStep[];
}

/** A custom event posted for a contact (its name; properties are not kept). */
export interface ContactEventDocument {
  /** `<contactId>:<ISO time>:<random>`. */
  _id: string;
  name: string;
  at: Date;
}

/** An automation mail a contact was sent; the frequency cap counts them. */
export interface AutomationSendDocument {
  /** `<contactId>:<ISO time>:<runId>:<node>`. */
  _id: string;
  at: Date;
}

const actor = {
  kind: { type: String, enum: ['user', 'api_key'], required: true },
  id: { type: String, required: true },
};

const automationSchema = new Schema<AutomationDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    status: { type: String, enum: automationStatuses, required: true },
    draft: { type: Schema.Types.Mixed, required: true },
    publishedVersion: { type: Number },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    updatedBy: actor,
  },
  { strict: 'throw', versionKey: false, minimize: false },
);

const versionSchema = new Schema<AutomationVersionDocument>(
  {
    _id: { type: String, required: true },
    automationId: { type: String, required: true },
    version: { type: Number, required: true },
    definition: { type: Schema.Types.Mixed, required: true },
    publishedAt: { type: Date, required: true },
    publishedBy: actor,
  },
  { strict: 'throw', versionKey: false, minimize: false },
);

const entrySchema = new Schema<AutomationEntryDocument>(
  {
    _id: { type: String, required: true },
    runs: { type: Number, required: true },
    active: { type: Boolean, required: true },
    lastEnteredAt: { type: Date, required: true },
    lastExitedAt: { type: Date },
  },
  { strict: 'throw', versionKey: false },
);

const stepSchema = new Schema<RunStep>(
  {
    node: { type: String, required: true },
    at: { type: Date, required: true },
    outcome: { type: String, enum: stepOutcomes, required: true },
    detail: { type: String },
  },
  { _id: false, strict: 'throw' },
);

const runSchema = new Schema<AutomationRunDocument>(
  {
    _id: { type: String, required: true },
    automationId: { type: String, required: true },
    contactId: { type: String, required: true },
    version: { type: Number, required: true },
    test: { type: { definition: { type: Schema.Types.Mixed, required: true } }, _id: false },
    status: { type: String, enum: runStatuses, required: true },
    node: { type: String, required: true },
    waitingUntil: { type: Date },
    enteredAt: { type: Date, required: true },
    endedAt: { type: Date },
    endReason: { type: String },
    path: { type: [stepSchema], required: true },
  },
  { strict: 'throw', versionKey: false, minimize: false },
);

const contactEventSchema = new Schema<ContactEventDocument>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { strict: 'throw', versionKey: false },
);

const sendSchema = new Schema<AutomationSendDocument>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { strict: 'throw', versionKey: false },
);

/** Binds the automation models to a tenant database. */
export const automationModels = (db: Connection) => ({
  Automation: db.model('Automation', automationSchema, 'automations'),
  AutomationVersion: db.model('AutomationVersion', versionSchema, 'automation_versions'),
  AutomationEntry: db.model('AutomationEntry', entrySchema, 'automation_entries'),
  AutomationRun: db.model('AutomationRun', runSchema, 'automation_runs'),
  ContactEvent: db.model('ContactEvent', contactEventSchema, 'contact_events'),
  AutomationSend: db.model('AutomationSend', sendSchema, 'automation_sends'),
});

/** The `_id` range of records whose key starts with `prefix:` (one automation's, one contact's). */
export const keyRange = (prefix: string) => ({ $gte: `${prefix}:`, $lt: `${prefix};` });
