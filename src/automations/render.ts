/**
 * An automation mail for one contact: the step's subject, HTML and text with their merge
 * fields (`{{ contact.firstName }}`, `{{ contact.custom.city | default: "there" }}`) filled in
 * by Liquid, HTML-escaped in the HTML part so a field cannot inject markup; the text part is
 * the step's own, or the HTML rendered as text. The unsubscribe and profile links are added
 * by the mailer (src/mail/mailer.ts) to every message of a list.
 */
import { convert } from 'html-to-text';
import { Liquid, type Template } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import type { NodeOf } from '../domain/automation-definition';
import type { ContactFacts } from './interpreter';

const html = new Liquid({ outputEscape: 'escape', ownPropertyOnly: true });
const plain = new Liquid({ ownPropertyOnly: true });
const parsed = new LRUCache<string, Template[]>({ max: 500 });

/** Parses a template once per engine and text (definitions are immutable once published). */
function templateOf(engine: Liquid, source: string, kind: string): Template[] {
  const key = `${kind}\u0000${source}`;
  let template = parsed.get(key);
  if (!template) parsed.set(key, (template = engine.parse(source)));
  return template;
}

/** A rendered message. */
export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** Renders a send step's message for a contact. */
export async function renderMail(
  node: NodeOf<'send_email'>,
  contact: { email: string; fields: ContactFacts['fields'] },
): Promise<RenderedMail> {
  const scope = { contact: { email: contact.email, ...contact.fields } };
  const [subject, body, text] = await Promise.all([
    plain.render(templateOf(plain, node.subject, 'plain'), scope),
    html.render(templateOf(html, node.html, 'html'), scope),
    node.text === undefined
      ? undefined
      : plain.render(templateOf(plain, node.text, 'plain'), scope),
  ]);
  return {
    subject: String(subject)
      .replace(/[\r\n]+/g, ' ')
      .trim(),
    html: String(body),
    text: text === undefined ? convert(String(body), { wordwrap: 78 }) : String(text),
  };
}

/** Whether a template parses; the message of its error when not (names no contact data). */
export function templateProblem(source: string): string | undefined {
  try {
    plain.parse(source);
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}
