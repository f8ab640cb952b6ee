/**
 * A marketing template: a subject, a body in MJML (compiled to responsive HTML once, when the
 * template is saved) or in HTML, and an optional text part, with Liquid merge fields
 * (`{{ contact.firstName | default: "there" }}`).
 *
 * Checked when saved, not when sent: Liquid that does not parse, a merge field the product
 * does not fill and MJML the compiler refuses are each a problem naming the part. Rendered per
 * recipient with every value HTML-escaped in the HTML part, so a field cannot inject markup;
 * the text part is the template's own, or the HTML rendered as text.
 */
import escapeHtml from 'escape-html';
import { convert } from 'html-to-text';
import { Liquid, type Template } from 'liquidjs';
import { LRUCache } from 'lru-cache';
import { load } from 'cheerio';
import mjml2html from 'mjml';
import { customFieldName } from '../domain/custom-field';
import { shownDomain } from './link-text';

const html = new Liquid({ outputEscape: 'escape', ownPropertyOnly: true, strictFilters: true });
const plain = new Liquid({ ownPropertyOnly: true, strictFilters: true });
const parsed = new LRUCache<string, Template[]>({ max: 500 });

/** What a template is written as. */
export interface TemplateSource {
  subject: string;
  /** MJML (a document starting with `<mjml>`) or HTML. */
  html: string;
  text?: string;
}

/**
 * A template ready to render: the HTML compiled from its MJML, with each link's address
 * replaced by its place in `links` (`{{ links[2] }}`), so a send can point it at the target or
 * at the click redirect that names only the link's index; and the merge fields it uses.
 */
export interface CompiledTemplate {
  subject: string;
  html: string;
  text?: string;
  links: string[];
  /** Per link, the text of an anchor to it that reads as an address ('' when none does). */
  linkTexts: string[];
  mergeFields: string[];
}

/** One problem of a template source, by part. */
export interface TemplateProblem {
  field: 'subject' | 'html' | 'text';
  message: string;
}

/** The merge fields a template may use: what the product knows of a contact. */
const knownField = (path: string) =>
  /^contact\.(email|firstName|lastName)$/.test(path) ||
  (path.startsWith('contact.custom.') &&
    customFieldName.test(path.slice('contact.custom.'.length)));

/** Whether the source is an MJML document. */
export const isMjml = (source: string) => /^\s*<mjml[\s>]/i.test(source);

/** The merge fields of one part, or the parse error's first line. */
function fieldsOf(source: string): { fields: string[] } | { error: string } {
  try {
    return { fields: plain.globalFullVariablesSync(plain.parse(source)) };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0]! };
  }
}

/** Checks and compiles a template; every problem found when it cannot be. */
export async function compileTemplate(
  source: TemplateSource,
): Promise<{ ok: true; template: CompiledTemplate } | { ok: false; problems: TemplateProblem[] }> {
  const problems: TemplateProblem[] = [];
  const mergeFields = new Set<string>();
  const parts = [
    ['subject', source.subject],
    ['html', source.html],
    ...(source.text === undefined ? [] : [['text', source.text]]),
  ] as [TemplateProblem['field'], string][];
  for (const [field, text] of parts) {
    const found = fieldsOf(text);
    if ('error' in found) {
      problems.push({ field, message: `merge fields: ${found.error}` });
      continue;
    }
    for (const name of found.fields) {
      if (knownField(name)) mergeFields.add(name);
      else
        problems.push({
          field,
          message: `unknown merge field ${name}: use contact.email, contact.firstName, contact.lastName or contact.custom.<name>`,
        });
    }
  }
  let body = source.html;
  if (isMjml(source.html)) {
    try {
      const out = await mjml2html(source.html, { validationLevel: 'strict', keepComments: false });
      body = out.html;
    } catch (err) {
      // Strict validation throws with every error; the first lines name tag and line.
      const details = (err as { errors?: { formattedMessage?: string }[] }).errors;
      const message =
        details
          ?.map((e) => e.formattedMessage)
          .filter(Boolean)
          .slice(0, 5)
          .join('; ') || (err as Error).message.split('\n')[0]!;
      problems.push({ field: 'html', message: `MJML: ${message}` });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const { html: linked, links, linkTexts, linkProblems } = indexLinks(body);
  if (linkProblems.length > 0) return { ok: false, problems: linkProblems };
  return {
    ok: true,
    template: {
      subject: source.subject,
      html: linked,
      links,
      linkTexts,
      ...(source.text === undefined ? {} : { text: source.text }),
      mergeFields: [...mergeFields].sort(),
    },
  };
}

/** Most links one template may hold. */
const MAX_LINKS = 100;

/**
 * Replaces the address of every http(s) link by its index in `links`. A link whose address
 * holds a merge field is refused: a tracked click names a link, and the link must be the same
 * for everyone.
 */
function indexLinks(body: string): {
  html: string;
  links: string[];
  linkTexts: string[];
  linkProblems: TemplateProblem[];
} {
  const $ = load(body);
  const links: string[] = [];
  const linkTexts: string[] = [];
  const linkProblems: TemplateProblem[] = [];
  $('a[href]').each((_, element) => {
    const href = ($(element).attr('href') ?? '').trim();
    if (!/^https?:\/\//i.test(href)) return; // mailto:, anchors and the like stay as written
    if (href.includes('{{') || href.includes('{%')) {
      linkProblems.push({
        field: 'html',
        message: `link ${href}: a link cannot hold merge fields`,
      });
      return;
    }
    let index = links.indexOf(href);
    if (index < 0) index = links.push(href) - 1;
    // The text the link checker compares with the target (src/campaigns/link-check.ts).
    const text = $(element).text().trim();
    if (!linkTexts[index] && shownDomain(text)) linkTexts[index] = text;
    $(element).attr('href', `{{ links[${index}] }}`);
  });
  if (links.length > MAX_LINKS)
    linkProblems.push({ field: 'html', message: `${links.length} links: at most ${MAX_LINKS}` });
  return {
    html: $.html(),
    links,
    linkTexts: links.map((_, i) => linkTexts[i] ?? ''),
    linkProblems,
  };
}

/** The http(s) links of an HTML body, each once, with the address-like text shown for it. */
export function linksOf(body: string): { url: string; text?: string }[] {
  const { links, linkTexts } = indexLinks(body);
  return links.map((url, i) => ({ url, ...(linkTexts[i] ? { text: linkTexts[i] } : {}) }));
}

/** What a template is rendered for. */
export interface MergeContact {
  email: string;
  firstName?: string;
  lastName?: string;
  custom: Record<string, string>;
}

/** A rendered message. */
export interface RenderedTemplate {
  subject: string;
  html: string;
  text: string;
}

function templateOf(engine: Liquid, source: string, kind: string): Template[] {
  const key = `${kind}\u0000${source}`;
  let template = parsed.get(key);
  if (!template) parsed.set(key, (template = engine.parse(source)));
  return template;
}

/**
 * Renders a compiled template for one contact, each link pointing at `links[i]` (the target
 * itself, or its click redirect) and with the open pixel when there is one.
 */
export async function renderTemplate(
  template: Pick<CompiledTemplate, 'subject' | 'html' | 'text'>,
  contact: MergeContact,
  tracking: { links: string[]; pixel?: string },
): Promise<RenderedTemplate> {
  const scope = { contact, links: tracking.links };
  const [subject, body, text] = await Promise.all([
    plain.render(templateOf(plain, template.subject, 'plain'), scope),
    html.render(templateOf(html, template.html, 'html'), scope),
    template.text === undefined
      ? undefined
      : plain.render(templateOf(plain, template.text, 'plain'), scope),
  ]);
  const pixel = tracking.pixel
    ? `<img src="${escapeHtml(tracking.pixel)}" width="1" height="1" alt="" style="display:block;height:1px;width:1px;border:0">`
    : '';
  const withPixel = pixel
    ? /<\/body>/i.test(String(body))
      ? String(body).replace(/<\/body>/i, `${pixel}</body>`)
      : String(body) + pixel
    : String(body);
  return {
    subject: String(subject)
      .replace(/[\r\n]+/g, ' ')
      .trim(),
    html: withPixel,
    text:
      text === undefined
        ? convert(String(body), { wordwrap: 78, selectors: [{ selector: 'img', format: 'skip' }] })
        : String(text),
  };
}
