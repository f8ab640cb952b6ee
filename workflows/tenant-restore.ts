/**
 * A restore the platform asked for: the chosen backup is loaded into a new database, every
 * erasure recorded since the backup began is replayed there (so no erased subject comes
 * back), and only then is the tenant switched to it. The database it replaced is dropped
 * once every process has followed the switch. A damaged or foreign backup fails the load
 * before anything of the tenant changed.
 */
import { proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  restoreProgressQuery,
  type RestoreProgress,
  type TenantRestoreInput,
  type TenantRestoreResult,
} from './definitions';
import { activityFailures } from './failures';

const {
  loadTenantBackup,
  replayTenantErasures,
  switchTenantDatabase,
  dropReplacedTenantDatabases,
} = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: {
    maximumInterval: '5 minutes',
    maximumAttempts: 10,
    nonRetryableErrorTypes: [activityFailures.backupUnusable],
  },
});

/**
 * How long the replaced database stays after the switch: processes trust their cached
 * database name for ACTIVE_TENANT_CACHE_MS (5 s, src/db/tenant-access.ts); this is ample.
 */
const FOLLOW_SWITCH = '1 minute';

/** Restores the backup into a new database and switches the tenant to it. */
export async function tenantRestoreWorkflow(
  input: TenantRestoreInput,
): Promise<TenantRestoreResult> {
  const { tenantId } = input;
  const progress: RestoreProgress = {
    restoreId: input.restoreId,
    backupId: input.backupId,
    step: 'loading',
  };
  setHandler(restoreProgressQuery, () => progress);

  let loaded: Awaited<ReturnType<typeof loadTenantBackup>>;
  let erasuresReplayed: number;
  let switched: boolean;
  try {
    loaded = await loadTenantBackup(input);
    progress.step = 'replaying';
    erasuresReplayed = await replayTenantErasures(replayOf(tenantId, loaded));
    progress.step = 'switching';
    switched = await switchTenantDatabase({ tenantId, database: loaded.database });
  } catch (err) {
    // Not switched: the tenant is as it was; what the load filled goes.
    await dropReplacedTenantDatabases({ tenantId });
    throw err;
  }
  if (!switched) {
    progress.step = 'done';
    return { ...counts(loaded, erasuresReplayed), switched, dropped: [] };
  }
  progress.step = 'following';
  await sleep(input.followSwitchMs ?? FOLLOW_SWITCH);
  // Once more: erasures made until every process followed the switch went to the old
  // database, and they are in the ledger.
  erasuresReplayed = await replayTenantErasures(replayOf(tenantId, loaded));
  progress.step = 'dropping';
  const dropped = await dropReplacedTenantDatabases({ tenantId });
  progress.step = 'done';
  return { ...counts(loaded, erasuresReplayed), switched, dropped };
}

const replayOf = (tenantId: string, loaded: { database: string; startedAt: string }) => ({
  tenantId,
  database: loaded.database,
  since: loaded.startedAt,
});

const counts = (loaded: { database: string; documents: number }, erasuresReplayed: number) => ({
  database: loaded.database,
  documents: loaded.documents,
  erasuresReplayed,
});
