/** Test workers log through the SDK's default logger at WARN: failures stay visible, chatter does not. */
import { DefaultLogger, Runtime } from '@temporalio/worker';

Runtime.install({ logger: new DefaultLogger('WARN') });
