/** The baseline of bench/doi: a workflow that does nothing, so its rate is the engine's own. */
export async function noopWorkflow(): Promise<void> {
  // nothing: start, one workflow task, complete
}
