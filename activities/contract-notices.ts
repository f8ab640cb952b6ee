/**
 * What a contract's end tells people: the tenant's admins, when the export window begins and
 * again before the deletion, so nobody loses data by surprise; the platform operator, when a
 * deletion step keeps failing, so a person acts well before the law's 20 days are over.
 */
import { findTenantAdmins } from '../src/tenants/tenant-admins';
import type { TenantAccess } from '../src/db/tenant-access';
import type { Mailer } from '../src/mail/mailer';
import type { OperatorAlerts } from '../src/mail/operator-alerts';
import { workflowIdOf } from '../src/temporal/workflows';
import type { ContractNoticeInput, DeletionAlertInput } from '../workflows/definitions';

/** What the notices need. */
export interface ContractNoticeDeps {
  tenants: TenantAccess;
  mailer: Mailer;
  operatorAlerts: OperatorAlerts;
}

/** A date as people read it in a notice: `14 March 2031, 00:00 UTC`. */
const dayOf = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', {
    dateStyle: 'long',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(new Date(iso)) + ' UTC';

/** Subject and text of a notice for the tenant named `name`. */
function wordsOf(input: ContractNoticeInput, name: string): { subject: string; text: string } {
  const deletion = dayOf(input.deleteAt);
  const whatGoes =
    'contacts, consent records, lists, automations, campaigns, users, API keys and backups';
  if (input.notice === 'export-window')
    return {
      subject: `Your Consentflow contract has ended: export your data before ${deletion}`,
      text: [
        `The contract of ${name} ended on ${dayOf(input.endsAt)}.`,
        `Until ${deletion} your account is read-only: sign in and export your contacts and consent records (the consent export and the API keep working).`,
        `On that date everything is deleted (${whatGoes}) and a deletion certificate is issued. Nothing can be recovered afterwards.`,
        'To go on using Consentflow, renew your contract before then.',
      ].join('\n\n'),
    };
  return {
    subject: `Your Consentflow data is deleted on ${deletion}`,
    text: [
      `The contract of ${name} has ended and its export window closes on ${deletion}.`,
      `Then everything is deleted (${whatGoes}). Export what you need to keep now.`,
    ].join('\n\n'),
  };
}

/** Creates the notice activities. */
export function createContractNoticeActivities({
  tenants,
  mailer,
  operatorAlerts,
}: ContractNoticeDeps) {
  return {
    /**
     * Mails the notice to each of the tenant's admins, once per admin, notice and plan;
     * returns how many were sent now. Throws (the workflow retries) when the relay refused one.
     */
    async sendContractNotice(input: ContractNoticeInput): Promise<number> {
      const tenant = await tenants.control.Tenant.findById(input.tenantId, { name: 1 }).lean();
      if (!tenant) return 0;
      const admins = await findTenantAdmins(tenants.control, input.tenantId);
      const words = wordsOf(input, tenant.name);
      const outcomes = await mailer.sendStaffNotices(
        input.tenantId,
        admins.map((admin) => ({
          sendKey: `contract-end:${input.notice}:${input.deleteAt}:${admin.userId}`,
          to: admin.email,
          ...words,
        })),
      );
      if (outcomes.includes('failed')) throw new Error('the relay refused a contract notice');
      return outcomes.filter((o) => o === 'sent').length;
    },

    /** Tells the operator that a deletion step keeps failing, and by when it must be done. */
    async alertDeletionFailing(input: DeletionAlertInput): Promise<void> {
      const ids = { tenantId: input.tenantId, step: input.step };
      await operatorAlerts.raise({
        subject: `Deletion of tenant ${input.tenantId} is failing at ${input.step}`,
        text: [
          `The contract termination of tenant ${input.tenantId} cannot complete its step ${input.step} (${input.failure}).`,
          `The tenant's data must be deleted by ${dayOf(input.deadline)} (${input.deadline}).`,
          input.retrying
            ? 'The workflow keeps retrying; fix the cause (database, Temporal, key service) and it goes on by itself.'
            : `The workflow has stopped: the tenant is not in the state the deletion expects. Look at ${workflowIdOf('contractTermination', input.tenantId, input.tenantId)} in the Temporal Web UI and finish the deletion by hand.`,
          'In the Temporal Web UI, `DeletionDeadline` shows this deadline on the workflow.',
        ].join('\n\n'),
        ids,
      });
    },
  };
}
