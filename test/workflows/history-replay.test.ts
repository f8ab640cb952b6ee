/**
 * Every stored history (test/fixtures/histories, recorded by the workflow tests with
 * RECORD_HISTORIES=1) replays with the current workflow code. A change to a workflow that
 * running executions would replay differently fails here: it needs a `patched` marker (or a
 * new workflow type) so that executions started before it keep their path.
 */
import { replay, storedHistories } from '../helpers/histories';

describe('stored workflow histories', () => {
  it('replay with the current workflow code', async () => {
    const histories = await storedHistories();
    // Runs from before the steps became local activities, and after.
    const names = histories.map((h) => h.name);
    expect(names.filter((n) => n.includes('scheduled-steps')).length).toBeGreaterThanOrEqual(4);
    expect(names.filter((n) => !n.includes('scheduled-steps')).length).toBeGreaterThanOrEqual(4);
    for (const { name, workflowId, history } of histories) {
      await expect(replay(history, workflowId).then(() => name)).resolves.toBe(name);
    }
  });
});
