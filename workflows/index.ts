/** Every workflow the worker registers; one workflow per file. */
export { encryptionProbeWorkflow } from './encryption-probe';
