/**
 * An automation definition: the JSON document a marketer designs (in the console or over the
 * API) and the worker interprets, one run per contact. One zod schema validates it wherever
 * it is read (api, worker, console) and gives the JSON Schema the api serves; the graph checks
 * below add what a schema cannot say (every branch lands on a node, every node is reachable,
 * no cycle, the limits). Each problem names its node, so a designer can point at it.
 *
 * A definition is an entry (what brings a contact in, with a filter) and nodes, each naming
 * the node(s) that follow it. It holds no personal data: conditions compare fields by name,
 * mails carry their own subject and body, merge fields stay placeholders until a send step.
 */
import { z } from 'zod';
import { customFieldName } from './custom-field';

/** Most nodes a definition may have. */
export const MAX_NODES = 200;
/** Most steps on any path from the entry to an end. */
export const MAX_DEPTH = 100;
/**
 * Deepest nesting of conditions, counting the `filter` or `condition` itself as the first
 * level (so five levels of `all`, `any` and `not` fit below it).
 */
export const MAX_CONDITION_DEPTH = 6;
/** Deepest nesting of objects and arrays anywhere in a definition. */
export const MAX_NESTING = 32;
/** Largest definition, as JSON (bytes). */
export const MAX_DEFINITION_BYTES = 256 * 1024;

const nodeId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/, 'a node id is a letter then letters, digits, - or _');
const listId = z.string().regex(/^l[0-9a-f]{16}$/, 'not a list id');
/** A campaign template's id (src/campaigns/templates.ts). */
const templateId = z.string().regex(/^m[0-9a-f]{24}$/, 'not a template id');
const eventName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_.:-]{0,63}$/,
    'an event name is a letter then letters, digits, _ . : -',
  );
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time is HH:MM (24 h)');
const weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

/** A field of the contact that conditions, updates and date delays name. */
export const contactField = z
  .string()
  .refine(
    (f) =>
      f === 'firstName' ||
      f === 'lastName' ||
      (f.startsWith('custom.') && customFieldName.test(f.slice('custom.'.length))),
    'unknown field: firstName, lastName or custom.<name>',
  );

/** A length of time. */
export const durationSchema = z.strictObject({
  amount: z.number().int().min(1).max(1000),
  unit: z.enum(['minutes', 'hours', 'days', 'weeks']),
});
export type Duration = z.infer<typeof durationSchema>;

/** A test on a contact: its fields, memberships, consent state and past events. */
export type Condition =
  | {
      type: 'field';
      field: string;
      op: 'equals' | 'not_equals' | 'contains' | 'is_set' | 'is_not_set';
      value?: string;
    }
  | { type: 'membership'; listId: string; status: 'active' | 'pending' | 'unsubscribed' | 'none' }
  | { type: 'consent'; listId: string; state: 'granted' | 'restricted' | 'tracking_objected' }
  | { type: 'event'; name: string; withinDays?: number; happened?: boolean }
  | { type: 'all'; conditions: Condition[] }
  | { type: 'any'; conditions: Condition[] }
  | { type: 'not'; condition: Condition };

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z
      .strictObject({
        type: z.literal('field'),
        field: contactField,
        op: z.enum(['equals', 'not_equals', 'contains', 'is_set', 'is_not_set']),
        value: z.string().max(1000).optional(),
      })
      .refine(
        (c) => (c.op === 'is_set' || c.op === 'is_not_set') === (c.value === undefined),
        'is_set and is_not_set take no value; the other operators need one',
      ),
    z.strictObject({
      type: z.literal('membership'),
      listId,
      status: z.enum(['active', 'pending', 'unsubscribed', 'none']),
    }),
    z.strictObject({
      type: z.literal('consent'),
      listId,
      state: z.enum(['granted', 'restricted', 'tracking_objected']),
    }),
    z.strictObject({
      type: z.literal('event'),
      name: eventName,
      withinDays: z.number().int().min(1).max(3660).optional(),
      happened: z.boolean().optional(),
    }),
    z.strictObject({ type: z.literal('all'), conditions: z.array(conditionSchema).min(1).max(20) }),
    z.strictObject({ type: z.literal('any'), conditions: z.array(conditionSchema).min(1).max(20) }),
    z.strictObject({ type: z.literal('not'), condition: conditionSchema }),
  ]),
);

const filter = conditionSchema.optional();

/** What brings a contact into the automation. */
export const entrySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('list_confirmed'), listId, filter, next: nodeId }),
  z.strictObject({ type: z.literal('list_unsubscribed'), listId, filter, next: nodeId }),
  z.strictObject({
    type: z.literal('consent_expiring'),
    listId,
    daysBefore: z.number().int().min(1).max(365),
    filter,
    next: nodeId,
  }),
  z.strictObject({
    type: z.literal('inactive'),
    listId,
    days: z.number().int().min(1).max(3650),
    filter,
    next: nodeId,
  }),
  z.strictObject({
    type: z.literal('date_field'),
    listId,
    field: contactField,
    offsetDays: z.number().int().min(-365).max(365),
    filter,
    next: nodeId,
  }),
  z.strictObject({
    type: z.literal('custom_event'),
    listId,
    name: eventName,
    filter,
    next: nodeId,
  }),
  z.strictObject({
    type: z.literal('rights_request'),
    requestType: z
      .enum(['access', 'portability', 'erasure', 'restriction', 'objection', 'rectification'])
      .optional(),
    filter,
    next: nodeId,
  }),
  z.strictObject({ type: z.literal('manual'), listId, filter, next: nodeId }),
]);
export type Entry = z.infer<typeof entrySchema>;
export type EntryType = Entry['type'];

/** How long a delay waits. */
export const waitSchema = z.discriminatedUnion('kind', [
  durationSchema.extend({ kind: z.literal('duration') }),
  z.strictObject({
    kind: z.literal('local_time'),
    time: localTime,
    days: z.array(weekday).max(7).optional(),
  }),
  z.strictObject({
    kind: z.literal('date_field'),
    field: contactField,
    offsetDays: z.number().int().min(-365).max(365),
    time: localTime,
    /** The date's next yearly occurrence (a birthday), not the one date it names. */
    yearly: z.boolean().optional(),
  }),
]);

/** What a wait-for-event step listens for. */
export const awaitedEventSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('custom'), name: eventName }),
  z.strictObject({ kind: z.literal('confirmation'), listId }),
  z.strictObject({ kind: z.literal('field_change'), field: contactField }),
  /** The contact opened the mail of this automation's send step `node` (a tracked message). */
  z.strictObject({ kind: z.literal('open'), node: nodeId }),
  /** The contact clicked a link in the mail of send step `node` (a tracked message). */
  z.strictObject({ kind: z.literal('click'), node: nodeId }),
]);
export type AwaitedEvent = z.infer<typeof awaitedEventSchema>;

const base = { id: nodeId };

/** One step of an automation. */
export const nodeSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...base, type: z.literal('delay'), wait: waitSchema, next: nodeId }),
  z.strictObject({
    ...base,
    type: z.literal('wait_for_event'),
    event: awaitedEventSchema,
    timeout: durationSchema,
    onEvent: nodeId,
    onTimeout: nodeId,
  }),
  z.strictObject({
    ...base,
    type: z.literal('condition'),
    condition: conditionSchema,
    yes: nodeId,
    no: nodeId,
  }),
  z.strictObject({
    ...base,
    type: z.literal('random_split'),
    branches: z
      .array(z.strictObject({ weight: z.number().int().min(1).max(100), next: nodeId }))
      .min(2)
      .max(5),
  }),
  z.strictObject({
    ...base,
    type: z.literal('send_email'),
    subject: z.string().min(1).max(200),
    html: z.string().min(1).max(100_000),
    text: z.string().max(100_000).optional(),
    /** The template it was made from (set by the tenant check, src/automations/templates.ts). */
    template: z.strictObject({ id: templateId, version: z.number().int().min(1) }).optional(),
    next: nodeId,
  }),
  z.strictObject({
    ...base,
    // A send of one of the tenant's campaign templates: becomes a send_email with the
    // template's current version when the draft is checked against the tenant.
    type: z.literal('send_template'),
    templateId,
    next: nodeId,
  }),
  z.strictObject({
    ...base,
    type: z.literal('update_field'),
    field: contactField,
    /** Null removes the field. */
    value: z.string().max(1000).nullable(),
    next: nodeId,
  }),
  z.strictObject({ ...base, type: z.literal('list_add'), listId, next: nodeId }),
  z.strictObject({ ...base, type: z.literal('list_remove'), listId, next: nodeId }),
  z.strictObject({
    ...base,
    type: z.literal('webhook'),
    /** A label the receiver branches on; the body carries opaque ids only. */
    name: eventName,
    next: nodeId,
  }),
  z.strictObject({
    ...base,
    type: z.literal('notify'),
    /** Mailed to the tenant's users who design automations; fixed text, no merge fields. */
    message: z.string().min(1).max(2000),
    next: nodeId,
  }),
  z.strictObject({
    ...base,
    type: z.literal('goal'),
    /** A contact who meets it anywhere in the automation jumps here. */
    condition: conditionSchema,
    next: nodeId.optional(),
  }),
  z.strictObject({ ...base, type: z.literal('end') }),
]);
export type AutomationNode = z.infer<typeof nodeSchema>;
export type NodeType = AutomationNode['type'];
export type NodeOf<T extends NodeType> = Extract<AutomationNode, { type: T }>;

/** How the automation treats contacts across runs and sends. */
export const settingsSchema = z.strictObject({
  /** Whether a contact may enter again: never, once the last run ended, or after an interval. */
  reentry: z
    .discriminatedUnion('mode', [
      z.strictObject({ mode: z.literal('never') }),
      z.strictObject({ mode: z.literal('after_exit') }),
      z.strictObject({ mode: z.literal('interval'), interval: durationSchema }),
    ])
    .optional(),
  /** Custom events that end a contact's run wherever it is. */
  exitOn: z.array(eventName).max(20).optional(),
  /** No mail in this local window; a send waits for its end. */
  quietHours: z.strictObject({ start: localTime, end: localTime }).optional(),
  /** At most `max` automation mails per contact within `per`, across every automation. */
  frequencyCap: z
    .strictObject({ max: z.number().int().min(1).max(100), per: durationSchema })
    .optional(),
  /** The time zone of contacts without a `custom.timezone` field (IANA name). */
  timezone: z.string().max(64).optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

/** The whole definition. */
export const automationDefinitionSchema = z
  .strictObject({
    entry: entrySchema,
    nodes: z.array(nodeSchema).min(1),
    settings: settingsSchema.optional(),
  })
  .meta({ id: 'AutomationDefinition', title: 'Consentflow automation definition' });
export type AutomationDefinition = z.infer<typeof automationDefinitionSchema>;

/** One problem of a definition: where (`entry`, `settings` or a node id), which field, what. */
export interface DefinitionProblem {
  node: string;
  field: string;
  message: string;
}

/** A checked definition, or every problem found. */
export type DefinitionCheck =
  { ok: true; definition: AutomationDefinition } | { ok: false; problems: DefinitionProblem[] };

/** The nodes a node leads to, with the field that names each. */
export function successorsOf(node: AutomationNode): { field: string; target: string }[] {
  switch (node.type) {
    case 'wait_for_event':
      return [
        { field: 'onEvent', target: node.onEvent },
        { field: 'onTimeout', target: node.onTimeout },
      ];
    case 'condition':
      return [
        { field: 'yes', target: node.yes },
        { field: 'no', target: node.no },
      ];
    case 'random_split':
      return node.branches.map((b, i) => ({ field: `branches.${i}.next`, target: b.next }));
    case 'goal':
      return node.next === undefined ? [] : [{ field: 'next', target: node.next }];
    case 'end':
      return [];
    default:
      return [{ field: 'next', target: node.next }];
  }
}

/** Every list a condition names (membership and consent tests), in order. */
export function listsOfCondition(c: Condition | undefined): string[] {
  if (!c) return [];
  if (c.type === 'membership' || c.type === 'consent') return [c.listId];
  if (c.type === 'all' || c.type === 'any') return c.conditions.flatMap(listsOfCondition);
  if (c.type === 'not') return listsOfCondition(c.condition);
  return [];
}

/** Whether a condition looks at past events (reading them costs a query per contact). */
export function conditionUsesEvents(c: Condition): boolean {
  if (c.type === 'event') return true;
  if (c.type === 'all' || c.type === 'any') return c.conditions.some(conditionUsesEvents);
  if (c.type === 'not') return conditionUsesEvents(c.condition);
  return false;
}

/** Every list a definition names, with where: the caller must be allowed each one. */
export function listsOf(definition: AutomationDefinition): { node: string; listId: string }[] {
  const found: { node: string; listId: string }[] = [];
  const inCondition = (node: string, c: Condition | undefined): void => {
    for (const listId of listsOfCondition(c)) found.push({ node, listId });
  };
  const { entry } = definition;
  if ('listId' in entry) found.push({ node: 'entry', listId: entry.listId });
  inCondition('entry', entry.filter);
  for (const node of definition.nodes) {
    if (node.type === 'list_add' || node.type === 'list_remove')
      found.push({ node: node.id, listId: node.listId });
    if (node.type === 'wait_for_event' && node.event.kind === 'confirmation')
      found.push({ node: node.id, listId: node.event.listId });
    if (node.type === 'condition' || node.type === 'goal') inCondition(node.id, node.condition);
  }
  return found;
}

/** The list whose consent every send, webhook and update re-checks (none for rights entries). */
export function consentListOf(definition: AutomationDefinition): string | undefined {
  return 'listId' in definition.entry ? definition.entry.listId : undefined;
}

/** The first node after the entry. */
export const firstNodeOf = (definition: AutomationDefinition): string => definition.entry.next;

/** The node with this id (the definition was checked: it exists). */
export function nodeById(definition: AutomationDefinition, id: string): AutomationNode {
  const node = definition.nodes.find((n) => n.id === id);
  if (!node) throw new TypeError(`automation node ${id} is not in the definition`);
  return node;
}

/**
 * Validates a definition as received (parsed JSON): the schema, then the graph. Every problem
 * is reported, each with its node and field.
 */
export function checkDefinition(input: unknown): DefinitionCheck {
  const depth = conditionDepth(input);
  if (depth > MAX_CONDITION_DEPTH)
    return problems([
      {
        node: 'definition',
        field: '',
        message: `conditions nest at most ${MAX_CONDITION_DEPTH} deep (this one ${depth})`,
      },
    ]);
  // Before anything recurses into it (JSON.stringify included): a bound on any nesting.
  if (nestedDeeperThan(input, MAX_NESTING))
    return problems([
      {
        node: 'definition',
        field: '',
        message: `a definition nests at most ${MAX_NESTING} levels`,
      },
    ]);
  const size = Buffer.byteLength(JSON.stringify(input ?? null), 'utf8');
  if (size > MAX_DEFINITION_BYTES)
    return problems([
      {
        node: 'definition',
        field: '',
        message: `a definition is at most ${MAX_DEFINITION_BYTES} bytes of JSON (this one is ${size})`,
      },
    ]);
  if (Array.isArray((input as { nodes?: unknown })?.nodes)) {
    const count = (input as { nodes: unknown[] }).nodes.length;
    if (count > MAX_NODES)
      return problems([
        { node: 'definition', field: 'nodes', message: `at most ${MAX_NODES} nodes (${count})` },
      ]);
  }
  const parsed = automationDefinitionSchema.safeParse(input);
  if (!parsed.success) return problems(parsed.error.issues.map((i) => locate(input, i)));
  const graph = checkGraph(parsed.data);
  return graph.length > 0 ? problems(graph) : { ok: true, definition: parsed.data };
}

const problems = (list: DefinitionProblem[]): DefinitionCheck => ({ ok: false, problems: list });

/** Where a schema issue is: the node it is in (by its id when it has a valid one) and the field. */
function locate(input: unknown, issue: z.core.$ZodIssue): DefinitionProblem {
  const path = issue.path.map(String);
  if (path[0] === 'nodes' && path.length >= 2) {
    const raw = (input as { nodes: Record<string, unknown>[] }).nodes[Number(path[1])];
    const id = typeof raw?.id === 'string' && raw.id.length <= 40 ? raw.id : `nodes[${path[1]}]`;
    return { node: id, field: path.slice(2).join('.'), message: issue.message };
  }
  if (path[0] === 'entry' || path[0] === 'settings')
    return { node: path[0], field: path.slice(1).join('.'), message: issue.message };
  return { node: 'definition', field: path.join('.'), message: issue.message };
}

/**
 * How deep conditions nest (`filter`, `condition`, `conditions` each open a level), looked at
 * before the schema recurses into them; any other nesting is cut off at a fixed level, which
 * the schema then refuses.
 */
export function conditionDepth(value: unknown, depth = 0, level = 0): number {
  if (depth > MAX_CONDITION_DEPTH || level > 32 || value === null || typeof value !== 'object')
    return depth;
  let deepest = depth;
  for (const [key, child] of Object.entries(value)) {
    const inner =
      key === 'filter' || key === 'condition' || key === 'conditions' ? depth + 1 : depth;
    for (const c of Array.isArray(child) ? child : [child])
      deepest = Math.max(deepest, conditionDepth(c, inner, level + 1));
  }
  return deepest;
}

/** Whether `value` nests objects or arrays more than `limit` levels deep (without recursing past it). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  let level: unknown[] = [value];
  for (let depth = 0; level.length > 0; depth++) {
    if (depth > limit) return true;
    const next: unknown[] = [];
    for (const v of level)
      if (v !== null && typeof v === 'object') next.push(...Object.values(v as object));
    level = next;
  }
  return false;
}

/** The graph checks: unique ids, targets that exist, everything reachable, no cycle, depth. */
function checkGraph(definition: AutomationDefinition): DefinitionProblem[] {
  const found: DefinitionProblem[] = [];
  const byId = new Map<string, AutomationNode>();
  for (const node of definition.nodes) {
    if (byId.has(node.id))
      found.push({ node: node.id, field: 'id', message: 'two nodes have this id' });
    byId.set(node.id, node);
  }
  if (!byId.has(definition.entry.next))
    found.push({
      node: 'entry',
      field: 'next',
      message: `leads to ${definition.entry.next}, which is not a node`,
    });
  for (const node of definition.nodes)
    for (const { field, target } of successorsOf(node))
      if (!byId.has(target))
        found.push({ node: node.id, field, message: `leads to ${target}, which is not a node` });
  if (found.length > 0) return found;

  // Depth-first from the entry: a node seen again on the path being walked closes a cycle.
  const reached = new Set<string>();
  const onPath = new Set<string>();
  const longest = new Map<string, number>();
  const walk = (id: string): number => {
    if (onPath.has(id)) {
      found.push({ node: id, field: 'id', message: 'a path comes back to this node (a cycle)' });
      return 0;
    }
    const known = longest.get(id);
    if (known !== undefined) return known;
    reached.add(id);
    onPath.add(id);
    let below = 0;
    for (const { target } of successorsOf(byId.get(id)!)) below = Math.max(below, walk(target));
    onPath.delete(id);
    longest.set(id, below + 1);
    return below + 1;
  };
  // A goal is reached by a jump from anywhere, so it starts paths of its own.
  const depth = Math.max(
    walk(definition.entry.next),
    ...definition.nodes.filter((n) => n.type === 'goal').map((n) => walk(n.id)),
  );
  if (depth > MAX_DEPTH)
    found.push({
      node: 'definition',
      field: 'nodes',
      message: `a path has ${depth} steps; at most ${MAX_DEPTH}`,
    });
  for (const node of definition.nodes)
    if (!reached.has(node.id))
      found.push({
        node: node.id,
        field: 'id',
        message: 'no path from the entry reaches this node',
      });

  // A wait can only hear what may still happen.
  const { entry } = definition;
  for (const node of definition.nodes) {
    if (node.type !== 'wait_for_event') continue;
    if (node.event.kind === 'open' || node.event.kind === 'click') {
      const sender = definition.nodes.find((n) => n.id === (node.event as { node: string }).node);
      if (sender?.type !== 'send_email' && sender?.type !== 'send_template')
        found.push({
          node: node.id,
          field: 'event.node',
          message: `waits for ${node.event.kind === 'open' ? 'an open' : 'a click'} of a mail, but ${node.event.node} is no send step of this automation`,
        });
    }
    if (
      node.event.kind === 'confirmation' &&
      entry.type === 'list_confirmed' &&
      node.event.listId === entry.listId
    )
      found.push({
        node: node.id,
        field: 'event.listId',
        message: 'waits for a confirmation on the list the contact confirmed to enter',
      });
  }
  if (!consentListOf(definition))
    for (const node of definition.nodes)
      if (node.type === 'send_email' || node.type === 'send_template')
        found.push({
          node: node.id,
          field: 'type',
          message: 'a send needs an entry that names a list (its consent is checked at each send)',
        });
  return found;
}
