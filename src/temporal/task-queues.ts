/** Task queue names; one place so the api, worker and tests cannot drift apart. */
export const defaultTaskQueue = 'consentflow';
