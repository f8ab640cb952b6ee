/**
 * Links to a workflow in the Temporal Web UI. The api writes the UI's address (with the
 * namespace) into index.html, so the console needs no configuration of its own.
 */
const base =
  document.querySelector<HTMLMetaElement>('meta[name="consentflow-temporal-ui"]')?.content ?? '';

/** The Web UI page of a workflow, or undefined when no Web UI is configured. */
export const temporalWorkflowUrl = (workflowId: string) =>
  base ? `${base}/workflows/${encodeURIComponent(workflowId)}` : undefined;
