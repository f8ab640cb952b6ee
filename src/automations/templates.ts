/**
 * Send steps made of the tenant's campaign templates (`send_template`): when a draft is checked
 * against the tenant, each becomes a `send_email` holding the template's current version, its
 * subject, compiled HTML and text, and which template and version it came from. So a published
 * version is as immutable as before (a template edited later changes no running journey; the
 * next publish takes the new version), its links are checked at publish like any step's, and
 * the interpreter knows one kind of send only.
 */
import type { AutomationDefinition, DefinitionProblem } from '../domain/automation-definition';
import type { TenantScope } from '../db/tenant-access';

/** The definition with its template steps resolved; a problem for each template not found. */
export async function resolveTemplateSteps(
  tenant: TenantScope,
  definition: AutomationDefinition,
): Promise<{ definition: AutomationDefinition; problems: DefinitionProblem[] }> {
  const steps = definition.nodes.filter((n) => n.type === 'send_template');
  if (steps.length === 0) return { definition, problems: [] };
  const { Template, TemplateVersion } = tenant.models;
  const ids = [...new Set(steps.map((s) => s.templateId))];
  const templates = new Map(
    (await Template.find({ _id: { $in: ids } }, { version: 1 }).lean()).map((t) => [
      t._id,
      t.version,
    ]),
  );
  const versions = new Map(
    (
      await Promise.all(
        [...templates].map(([id, version]) =>
          TemplateVersion.findById(`${id}:v${version}`, {
            subject: 1,
            html: 1,
            text: 1,
            version: 1,
          }).lean(),
        ),
      )
    ).flatMap((v) => (v ? [[v._id.slice(0, v._id.lastIndexOf(':v')), v] as const] : [])),
  );
  const problems: DefinitionProblem[] = [];
  const nodes = definition.nodes.map((node) => {
    if (node.type !== 'send_template') return node;
    const version = versions.get(node.templateId);
    if (!version) {
      problems.push({
        node: node.id,
        field: 'templateId',
        message: `template ${node.templateId} does not exist`,
      });
      return node;
    }
    return {
      id: node.id,
      type: 'send_email' as const,
      subject: version.subject,
      html: version.html,
      ...(version.text !== undefined ? { text: version.text } : {}),
      template: { id: node.templateId, version: version.version },
      next: node.next,
    };
  });
  return { definition: { ...definition, nodes }, problems };
}
