/**
 * The path a contact would take through a definition, and when, decided by the same
 * interpreter a run uses (src/automations/interpreter.ts) on the contact as it is now, with a
 * clock that jumps over each wait: nothing is sent or changed. A wait for an event takes its
 * timeout branch (whether the event comes cannot be known); a field update is applied to the
 * simulated contact, so a later condition sees it.
 */
import type { AutomationDefinition } from '../domain/automation-definition';
import { goalMet, planStep, type ContactFacts } from './interpreter';

/** One simulated step. */
export interface SimulatedStep {
  node: string;
  /** When it would run (ISO). */
  at: string;
  /** `send`, `update_field`, `wait`, `branch`, `skip`, `end`… */
  action: string;
  detail?: string;
}

/** Most steps simulated (a definition's paths are at most 100 long; quiet hours add some). */
const MAX_STEPS = 300;

/** Simulates the run `runId` (random splits follow it) from `start`. */
export function simulate(
  definition: AutomationDefinition,
  facts: ContactFacts,
  start: Date,
  runId: string,
): SimulatedStep[] {
  const steps: SimulatedStep[] = [];
  const contact: ContactFacts = {
    ...facts,
    fields: { ...facts.fields, custom: { ...facts.fields.custom } },
  };
  let now = start;
  let node = definition.entry.next;
  const reached = new Set<string>();
  while (steps.length < MAX_STEPS) {
    // As in a run: a goal the contact meets is jumped to before the step.
    const goal = goalMet(definition, contact, now, node, reached);
    if (goal) {
      reached.add(goal.id);
      steps.push({ node: goal.id, at: now.toISOString(), action: 'goal' });
      if (goal.next === undefined) return steps;
      node = goal.next;
    }
    const plan = planStep(definition, node, contact, now, { runId, test: false });
    const at = now.toISOString();
    switch (plan.kind) {
      case 'end':
        steps.push({ node, at, action: 'end', ...(plan.reason ? { detail: plan.reason } : {}) });
        return steps;
      case 'sleep':
        steps.push({
          node,
          at,
          action: 'wait',
          detail: `until ${plan.until.toISOString()}${plan.detail ? ` (${plan.detail})` : ''}`,
        });
        now = plan.until;
        node = plan.next;
        break;
      case 'await':
        steps.push({
          node,
          at,
          action: 'wait_for_event',
          detail: `timeout at ${plan.until.toISOString()}`,
        });
        now = plan.until;
        node = plan.onTimeout;
        break;
      case 'go': {
        const { effect } = plan;
        if (effect?.type === 'update_field') {
          const value = effect.value ?? undefined;
          if (effect.field === 'firstName' || effect.field === 'lastName')
            contact.fields[effect.field] = value;
          else if (value === undefined) delete contact.fields.custom[effect.field.slice(7)];
          else contact.fields.custom[effect.field.slice(7)] = value;
        }
        if (effect?.type === 'list_remove')
          contact.lists = { ...contact.lists, [effect.listId]: 'unsubscribed' };
        const action =
          plan.outcome === 'skipped' ? 'skip' : (effect?.type ?? (plan.detail ? 'branch' : 'pass'));
        steps.push({ node, at, action, ...(plan.detail ? { detail: plan.detail } : {}) });
        node = plan.next;
        break;
      }
    }
  }
  return steps;
}
