/** How the subject's mail and pages name what a rights request asks for. */
import type { RightsRequestType } from '../db/models/rights-request';

export const rightsAskedFor: Record<RightsRequestType, string> = {
  access: 'a copy of your personal data',
  portability: 'your personal data in a portable format',
  erasure: 'the erasure of your personal data',
  restriction: 'the restriction of the processing of your personal data',
  objection: 'an end to tracking and profiling',
  rectification: 'the correction of your personal data',
};
