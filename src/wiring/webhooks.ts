/**
 * Part of the wiring module: what webhooks need in a process (api and worker alike): the
 * process's cache of tenants' webhooks, shared by emitting (events) and managing endpoints
 * (which forgets a tenant's entry when its webhooks change), both over the process's
 * workflow gateway, with the address policy of the configuration.
 */
import type { Config } from '../config';
import type { Logger } from '../logger';
import type { WorkflowGateway } from '../temporal/workflows';
import type { WebhookEmitDeps } from '../webhooks/emit';
import type { WebhookEndpointDeps } from '../webhooks/endpoints';
import { createWebhookSubscribers } from '../webhooks/subscribers';

/** Emitting events and managing endpoints in one process. */
export interface WebhookServices {
  events: WebhookEmitDeps;
  endpoints: WebhookEndpointDeps;
}

/** Builds the services; starts nothing. */
export function createWebhookServices(
  config: Config,
  deps: { workflows: WorkflowGateway; logger: Logger },
): WebhookServices {
  const subscribers = createWebhookSubscribers();
  return {
    events: { workflows: deps.workflows, subscribers, logger: deps.logger },
    endpoints: {
      workflows: deps.workflows,
      subscribers,
      allowPrivate: config.webhooks.allowPrivate,
    },
  };
}
