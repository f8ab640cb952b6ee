import {
  checkDefinition,
  listsOf,
  MAX_CONDITION_DEPTH,
  MAX_NESTING,
  MAX_DEFINITION_BYTES,
  MAX_DEPTH,
  MAX_NODES,
  successorsOf,
  type AutomationDefinition,
  type AutomationNode,
  type DefinitionProblem,
} from '../../src/domain/automation-definition';

const LIST = 'l0123456789abcdef';
const OTHER = 'lfedcba9876543210';
/** A distinct, valid list id per number. */
const list = (n: number) => `l${n.toString(16).padStart(16, '0')}`;

type Loose = { entry: Record<string, unknown>; nodes: Record<string, unknown>[] };

const minimal = (): Loose => ({
  entry: { type: 'list_confirmed', listId: LIST, next: 'welcome' },
  nodes: [
    { id: 'welcome', type: 'send_email', subject: 'Welcome', html: '<p>Hello</p>', next: 'done' },
    { id: 'done', type: 'end' },
  ],
});

/** The problems of a definition that must be refused. */
function problemsOf(input: unknown): DefinitionProblem[] {
  const checked = checkDefinition(input);
  if (checked.ok) throw new Error('the definition was accepted');
  return checked.problems;
}

/** Where the problems are, in a stable order. */
const where = (input: unknown) =>
  problemsOf(input)
    .map(({ node, field }) => ({ node, field }))
    .sort((a, b) => `${a.node}/${a.field}`.localeCompare(`${b.node}/${b.field}`));

/** A definition with this entry list and these nodes. */
const withNodes = (nodes: unknown[], entry: Record<string, unknown> = {}) => ({
  entry: { type: 'list_confirmed', listId: LIST, next: 'start', ...entry },
  nodes,
});

const leaf = { type: 'field', field: 'firstName', op: 'is_set' };
/** `levels` nested `all`/`any`/`not` around a field test. */
const nested = (levels: number): unknown => {
  if (levels === 0) return leaf;
  const inner = nested(levels - 1);
  switch (levels % 3) {
    case 0:
      return { type: 'all', conditions: [inner] };
    case 1:
      return { type: 'any', conditions: [leaf, inner] };
    default:
      return { type: 'not', condition: inner };
  }
};

/** `count` nodes as a binary tree (every one reachable, paths about log2(count) long). */
function tree(count: number) {
  const nodes = Array.from({ length: count }, (_, i) => {
    const [left, right] = [2 * i + 1, 2 * i + 2];
    if (right < count)
      return { id: `n${i}`, type: 'condition', condition: leaf, yes: `n${left}`, no: `n${right}` };
    if (left < count) return { id: `n${i}`, type: 'notify', message: 'x', next: `n${left}` };
    return { id: `n${i}`, type: 'end' };
  });
  return withNodes(nodes, { next: 'n0' });
}

/** `length` nodes one after the other: a path of `length` steps. */
function chain(length: number) {
  const nodes: unknown[] = Array.from({ length: length - 1 }, (_, i) => ({
    id: `n${i}`,
    type: 'notify',
    message: 'step',
    next: `n${i + 1}`,
  }));
  nodes.push({ id: `n${length - 1}`, type: 'end' });
  return withNodes(nodes, { next: 'n0' });
}

const everything = {
  entry: {
    type: 'list_confirmed',
    listId: LIST,
    filter: { type: 'field', field: 'custom.country', op: 'equals', value: 'IT' },
    next: 'pause',
  },
  nodes: [
    { id: 'pause', type: 'delay', wait: { kind: 'duration', amount: 2, unit: 'days' }, next: 'am' },
    {
      id: 'am',
      type: 'delay',
      wait: { kind: 'local_time', time: '09:30', days: ['mon', 'wed', 'fri'] },
      next: 'birthday',
    },
    {
      id: 'birthday',
      type: 'delay',
      wait: { kind: 'date_field', field: 'custom.birthday', offsetDays: -1, time: '10:00' },
      next: 'buy',
    },
    {
      id: 'buy',
      type: 'wait_for_event',
      event: { kind: 'custom', name: 'shop.purchase' },
      timeout: { amount: 3, unit: 'days' },
      onEvent: 'confirm',
      onTimeout: 'confirm',
    },
    {
      id: 'confirm',
      type: 'wait_for_event',
      event: { kind: 'confirmation', listId: OTHER },
      timeout: { amount: 12, unit: 'hours' },
      onEvent: 'rename',
      onTimeout: 'rename',
    },
    {
      id: 'rename',
      type: 'wait_for_event',
      event: { kind: 'field_change', field: 'firstName' },
      timeout: { amount: 30, unit: 'minutes' },
      onEvent: 'check',
      onTimeout: 'check',
    },
    {
      id: 'check',
      type: 'condition',
      condition: {
        type: 'any',
        conditions: [
          { type: 'field', field: 'lastName', op: 'contains', value: 'ross' },
          { type: 'membership', listId: OTHER, status: 'active' },
          { type: 'consent', listId: LIST, state: 'granted' },
          { type: 'event', name: 'shop.purchase', withinDays: 30, happened: false },
          { type: 'not', condition: { type: 'field', field: 'custom.vip', op: 'is_not_set' } },
        ],
      },
      yes: 'split',
      no: 'reached',
    },
    {
      id: 'split',
      type: 'random_split',
      branches: [
        { weight: 70, next: 'mail' },
        { weight: 30, next: 'tag' },
      ],
    },
    {
      id: 'mail',
      type: 'send_email',
      subject: 'Hello {{firstName}}',
      html: '<p>Hi</p>',
      text: 'Hi',
      next: 'tag',
    },
    { id: 'tag', type: 'update_field', field: 'custom.stage', value: 'engaged', next: 'join' },
    { id: 'join', type: 'list_add', listId: OTHER, next: 'leave' },
    { id: 'leave', type: 'list_remove', listId: OTHER, next: 'hook' },
    { id: 'hook', type: 'webhook', name: 'crm.sync', next: 'tell' },
    { id: 'tell', type: 'notify', message: 'A contact finished the series', next: 'reached' },
    {
      id: 'reached',
      type: 'goal',
      condition: { type: 'event', name: 'shop.purchase' },
      next: 'done',
    },
    { id: 'done', type: 'end' },
  ],
  settings: {
    reentry: { mode: 'interval', interval: { amount: 30, unit: 'days' } },
    exitOn: ['unsubscribed_everywhere'],
    quietHours: { start: '21:00', end: '08:00' },
    frequencyCap: { max: 3, per: { amount: 1, unit: 'weeks' } },
    timezone: 'Europe/Rome',
  },
};

describe('checkDefinition accepts', () => {
  it('the minimal definition, unchanged', () => {
    const checked = checkDefinition(minimal());
    expect(checked).toEqual({ ok: true, definition: minimal() });
  });

  it('a definition using every node type, wait kind and setting', () => {
    const checked = checkDefinition(everything);
    expect(checked.ok ? checked.definition : checked.problems).toEqual(everything);
    const types = new Set(everything.nodes.map((n) => n.type));
    expect(types.size).toBe(12);
  });

  it.each([
    { type: 'list_unsubscribed', listId: LIST },
    { type: 'consent_expiring', listId: LIST, daysBefore: 30 },
    { type: 'inactive', listId: LIST, days: 180 },
    { type: 'date_field', listId: LIST, field: 'custom.birthday', offsetDays: 0 },
    { type: 'custom_event', listId: LIST, name: 'cart.abandoned' },
    { type: 'manual', listId: LIST },
  ])('the $type entry', (entry) => {
    expect(checkDefinition({ ...minimal(), entry: { ...entry, next: 'welcome' } }).ok).toBe(true);
  });

  it.each([{ mode: 'never' }, { mode: 'after_exit' }])('re-entry $mode', (reentry) => {
    expect(checkDefinition({ ...minimal(), settings: { reentry } }).ok).toBe(true);
  });
});

describe('checkDefinition reports each problem with its node and field', () => {
  it('a target that is not a node, wherever it is named', () => {
    const def = minimal();
    def.nodes[0]!.next = 'nowhere';
    expect(where(def)).toEqual([{ node: 'welcome', field: 'next' }]);
    expect(problemsOf(def)[0]!.message).toContain('nowhere');

    expect(where({ ...minimal(), entry: { ...minimal().entry, next: 'missing' } })).toEqual([
      { node: 'entry', field: 'next' },
    ]);

    const split = withNodes([
      {
        id: 'start',
        type: 'random_split',
        branches: [
          { weight: 1, next: 'done' },
          { weight: 1, next: 'gone' },
        ],
      },
      {
        id: 'wait',
        type: 'wait_for_event',
        event: { kind: 'custom', name: 'x' },
        timeout: { amount: 1, unit: 'days' },
        onEvent: 'done',
        onTimeout: 'lost',
      },
      { id: 'done', type: 'end' },
    ]);
    expect(where(split)).toEqual([
      { node: 'start', field: 'branches.1.next' },
      { node: 'wait', field: 'onTimeout' },
    ]);
  });

  it('two nodes with one id', () => {
    const def = minimal();
    def.nodes.push({ id: 'done', type: 'end' });
    expect(where(def)).toEqual([{ node: 'done', field: 'id' }]);
  });

  it('a node no path reaches, and what only it leads to', () => {
    const def = minimal();
    def.nodes.push(
      { id: 'orphan', type: 'notify', message: 'never', next: 'orphan2' },
      { id: 'orphan2', type: 'notify', message: 'never', next: 'done' },
    );
    expect(where(def)).toEqual([
      { node: 'orphan', field: 'id' },
      { node: 'orphan2', field: 'id' },
    ]);
    expect(problemsOf(def)[0]!.message).toMatch(/no path/);
  });

  it('a cycle, at the node the path comes back to', () => {
    const def = withNodes([
      { id: 'start', type: 'notify', message: 'x', next: 'again' },
      { id: 'again', type: 'condition', condition: leaf, yes: 'start', no: 'done' },
      { id: 'done', type: 'end' },
    ]);
    expect(where(def)).toEqual([{ node: 'start', field: 'id' }]);
    expect(problemsOf(def)[0]!.message).toMatch(/cycle/);
  });

  it('an unknown field: email and a custom name starting with a digit', () => {
    const def = withNodes([
      {
        id: 'start',
        type: 'condition',
        condition: { type: 'field', field: 'email', op: 'is_set' },
        yes: 'set',
        no: 'set',
      },
      { id: 'set', type: 'update_field', field: 'custom.9bad', value: 'x', next: 'done' },
      { id: 'done', type: 'end' },
    ]);
    expect(where(def)).toEqual([
      { node: 'set', field: 'field' },
      { node: 'start', field: 'condition.field' },
    ]);
    expect(problemsOf(def)[0]!.message).toMatch(/unknown field/);

    // The same graph with known fields passes.
    const fixed = JSON.parse(JSON.stringify(def));
    fixed.nodes[0].condition.field = 'lastName';
    fixed.nodes[1].field = 'custom.good_9';
    expect(checkDefinition(fixed).ok).toBe(true);
  });

  it('a list id that is not one', () => {
    expect(where({ ...minimal(), entry: { ...minimal().entry, listId: 'L0123' } })).toEqual([
      { node: 'entry', field: 'listId' },
    ]);
    const def = withNodes([
      { id: 'start', type: 'list_add', listId: 'l0123456789ABCDEF', next: 'done' },
      { id: 'done', type: 'end' },
    ]);
    expect(where(def)).toEqual([{ node: 'start', field: 'listId' }]);
  });

  it('several schema problems at once, every one listed', () => {
    const def = {
      entry: { type: 'list_confirmed', listId: 'nope', next: 'start' },
      nodes: [
        {
          id: 'start',
          type: 'condition',
          condition: { type: 'membership', listId: 'l1', status: 'active' },
          yes: 'mail',
          no: 'done',
        },
        { id: 'mail', type: 'send_email', subject: '', html: '<p>x</p>', next: 'done' },
        { id: '9lives', type: 'end' },
        { id: 'done', type: 'end', extra: true },
      ],
      settings: { quietHours: { start: '25:00', end: '08:00' } },
    };
    expect(where(def)).toEqual([
      { node: '9lives', field: 'id' },
      { node: 'done', field: '' },
      { node: 'entry', field: 'listId' },
      { node: 'mail', field: 'subject' },
      { node: 'settings', field: 'quietHours.start' },
      { node: 'start', field: 'condition.listId' },
    ]);
  });

  it('several graph problems at once, every one listed', () => {
    const def = withNodes([
      { id: 'start', type: 'notify', message: 'x', next: 'loop' },
      { id: 'loop', type: 'condition', condition: leaf, yes: 'start', no: 'wait' },
      {
        id: 'wait',
        type: 'wait_for_event',
        event: { kind: 'confirmation', listId: LIST },
        timeout: { amount: 1, unit: 'days' },
        onEvent: 'done',
        onTimeout: 'done',
      },
      { id: 'island', type: 'end' },
      { id: 'done', type: 'end' },
    ]);
    expect(where(def)).toEqual([
      { node: 'island', field: 'id' },
      { node: 'start', field: 'id' },
      { node: 'wait', field: 'event.listId' },
    ]);
  });

  it('a send in a rights-request automation, which has no list to check consent on', () => {
    const def = { ...minimal(), entry: { type: 'rights_request', next: 'welcome' } };
    expect(where(def)).toEqual([{ node: 'welcome', field: 'type' }]);
    expect(problemsOf(def)[0]!.message).toMatch(/names a list/);

    const noSend = {
      entry: { type: 'rights_request', requestType: 'erasure', next: 'start' },
      nodes: [
        { id: 'start', type: 'webhook', name: 'rights.received', next: 'done' },
        { id: 'done', type: 'end' },
      ],
    };
    expect(checkDefinition(noSend).ok).toBe(true);
  });

  it('a wait for the confirmation the entry already is, but not one on another list', () => {
    const wait = (listId: string) =>
      withNodes([
        {
          id: 'start',
          type: 'wait_for_event',
          event: { kind: 'confirmation', listId },
          timeout: { amount: 1, unit: 'days' },
          onEvent: 'done',
          onTimeout: 'done',
        },
        { id: 'done', type: 'end' },
      ]);
    expect(where(wait(LIST))).toEqual([{ node: 'start', field: 'event.listId' }]);
    expect(checkDefinition(wait(OTHER)).ok).toBe(true);
    // An unsubscribe entry has not confirmed the list: waiting for its confirmation is fine.
    const afterUnsubscribe = {
      ...wait(LIST),
      entry: { ...wait(LIST).entry, type: 'list_unsubscribed' },
    };
    expect(checkDefinition(afterUnsubscribe).ok).toBe(true);
  });

  it('input that is not a definition at all, without throwing', () => {
    expect(where(null)).toEqual([{ node: 'definition', field: '' }]);
    expect(where({})).toEqual([
      { node: 'definition', field: 'nodes' },
      { node: 'entry', field: '' },
    ]);
    expect(where({ ...minimal(), nodes: [] })).toEqual([{ node: 'definition', field: 'nodes' }]);
  });
});

describe('checkDefinition limits', () => {
  it(`takes ${MAX_NODES} nodes, not one more`, () => {
    expect(checkDefinition(tree(MAX_NODES)).ok).toBe(true);
    const refused = problemsOf(tree(MAX_NODES + 1));
    expect(refused).toEqual([
      { node: 'definition', field: 'nodes', message: expect.stringContaining(String(MAX_NODES)) },
    ]);
  });

  it(`takes paths of ${MAX_DEPTH} steps, not one more`, () => {
    expect(checkDefinition(chain(MAX_DEPTH)).ok).toBe(true);
    expect(problemsOf(chain(MAX_DEPTH + 1))).toEqual([
      {
        node: 'definition',
        field: 'nodes',
        message: expect.stringMatching(new RegExp(`${MAX_DEPTH + 1} steps.*${MAX_DEPTH}`)),
      },
    ]);
  });

  it('refuses conditions nested too deep, in a filter or a node, naming the limit', () => {
    const inFilter = (levels: number) => ({
      ...minimal(),
      entry: { ...minimal().entry, filter: nested(levels) },
    });
    const inNode = (levels: number) =>
      withNodes([{ id: 'start', type: 'goal', condition: nested(levels) }]);
    expect(checkDefinition(inFilter(3)).ok).toBe(true);
    expect(checkDefinition(inNode(3)).ok).toBe(true);
    for (const def of [inFilter(MAX_CONDITION_DEPTH + 4), inNode(MAX_CONDITION_DEPTH + 4)])
      expect(problemsOf(def)).toEqual([
        {
          node: 'definition',
          field: '',
          message: expect.stringContaining(`at most ${MAX_CONDITION_DEPTH} deep`),
        },
      ]);
  });

  it('refuses a condition nested a thousand deep without overflowing the stack', () => {
    let deep: unknown = leaf;
    for (let i = 0; i < 1000; i++) deep = { type: 'not', condition: deep };
    const def = { ...minimal(), entry: { ...minimal().entry, filter: deep } };
    expect(problemsOf(def)[0]!.message).toContain(String(MAX_CONDITION_DEPTH));
  });

  it(`refuses more than ${MAX_DEFINITION_BYTES} bytes of JSON (bytes, not characters)`, () => {
    // Each body is 50,000 characters (within a send's limit) and 100,000 bytes of UTF-8.
    const body = 'é'.repeat(50_000);
    const sends = (count: number) =>
      withNodes([
        ...Array.from({ length: count }, (_, i) => ({
          id: i === 0 ? 'start' : `mail${i}`,
          type: 'send_email',
          subject: 'Big',
          html: body,
          next: i === count - 1 ? 'done' : `mail${i + 1}`,
        })),
        { id: 'done', type: 'end' },
      ]);
    expect(checkDefinition(sends(2)).ok).toBe(true);
    expect(problemsOf(sends(3))).toEqual([
      {
        node: 'definition',
        field: '',
        message: expect.stringContaining(String(MAX_DEFINITION_BYTES)),
      },
    ]);
  });

  it('refuses deep nesting of unrelated objects without crashing', () => {
    let objects: unknown = {};
    let arrays: unknown = [];
    let filters: unknown = {};
    for (let i = 0; i < 1000; i++) {
      objects = { a: objects };
      arrays = [arrays];
      filters = { filter: filters };
    }
    expect(problemsOf({ ...minimal(), settings: objects })).toEqual([
      {
        node: 'definition',
        field: '',
        message: `a definition nests at most ${MAX_NESTING} levels`,
      },
    ]);
    const def = minimal();
    expect(where({ ...def, nodes: [{ ...def.nodes[0], extra: arrays }, def.nodes[1]] })).toEqual([
      { node: 'definition', field: '' },
    ]);
    expect(problemsOf({ ...minimal(), other: filters })[0]!.message).toContain(
      String(MAX_CONDITION_DEPTH),
    );
  });
});

describe('successorsOf', () => {
  const parsed = (() => {
    const checked = checkDefinition(everything);
    if (!checked.ok) throw new Error('the full definition must be valid');
    return checked.definition;
  })();
  const node = (id: string): AutomationNode => parsed.nodes.find((n) => n.id === id)!;

  it('names each branch with the field that holds it', () => {
    expect(successorsOf(node('pause'))).toEqual([{ field: 'next', target: 'am' }]);
    expect(successorsOf(node('buy'))).toEqual([
      { field: 'onEvent', target: 'confirm' },
      { field: 'onTimeout', target: 'confirm' },
    ]);
    expect(successorsOf(node('check'))).toEqual([
      { field: 'yes', target: 'split' },
      { field: 'no', target: 'reached' },
    ]);
    expect(successorsOf(node('split'))).toEqual([
      { field: 'branches.0.next', target: 'mail' },
      { field: 'branches.1.next', target: 'tag' },
    ]);
    expect(successorsOf(node('reached'))).toEqual([{ field: 'next', target: 'done' }]);
    expect(successorsOf(node('done'))).toEqual([]);
    expect(successorsOf({ id: 'g', type: 'goal', condition: leaf as never })).toEqual([]);
  });
});

describe('listsOf', () => {
  it('finds the lists of the entry, its filter, conditions, goals, list steps and waits', () => {
    const def = {
      entry: {
        type: 'list_confirmed',
        listId: list(1),
        filter: { type: 'membership', listId: list(2), status: 'active' },
        next: 'check',
      },
      nodes: [
        {
          id: 'check',
          type: 'condition',
          condition: {
            type: 'all',
            conditions: [
              { type: 'consent', listId: list(3), state: 'granted' },
              { type: 'not', condition: { type: 'membership', listId: list(4), status: 'none' } },
              { type: 'any', conditions: [leaf, { type: 'event', name: 'x' }] },
            ],
          },
          yes: 'add',
          no: 'remove',
        },
        { id: 'add', type: 'list_add', listId: list(5), next: 'confirm' },
        { id: 'remove', type: 'list_remove', listId: list(6), next: 'confirm' },
        {
          id: 'confirm',
          type: 'wait_for_event',
          event: { kind: 'confirmation', listId: list(7) },
          timeout: { amount: 1, unit: 'days' },
          onEvent: 'goal',
          onTimeout: 'goal',
        },
        {
          id: 'goal',
          type: 'goal',
          condition: { type: 'membership', listId: list(8), status: 'active' },
          next: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    };
    const checked = checkDefinition(def);
    expect(checked.ok).toBe(true);
    expect(listsOf(def as AutomationDefinition)).toEqual([
      { node: 'entry', listId: list(1) },
      { node: 'entry', listId: list(2) },
      { node: 'check', listId: list(3) },
      { node: 'check', listId: list(4) },
      { node: 'add', listId: list(5) },
      { node: 'remove', listId: list(6) },
      { node: 'confirm', listId: list(7) },
      { node: 'goal', listId: list(8) },
    ]);
  });

  it('finds none for a rights-request entry, and skips waits that are not confirmations', () => {
    const def = {
      entry: { type: 'rights_request', next: 'wait' },
      nodes: [
        {
          id: 'wait',
          type: 'wait_for_event',
          event: { kind: 'custom', name: 'done' },
          timeout: { amount: 1, unit: 'days' },
          onEvent: 'done',
          onTimeout: 'done',
        },
        { id: 'done', type: 'end' },
      ],
    } as AutomationDefinition;
    expect(checkDefinition(def).ok).toBe(true);
    expect(listsOf(def)).toEqual([]);
  });
});
