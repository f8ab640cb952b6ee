/**
 * Templates checked when saved and rendered per recipient: merge fields known to the product
 * only, MJML compiled once, links indexed so a send can point them at their targets or at
 * click redirects, values escaped in the HTML part, the pixel inside the body.
 */
import { compileTemplate, renderTemplate } from '../../src/campaigns/template';
import { mayTrack } from '../../src/campaigns/tracking';

const contact = { email: 'ada@example.com', firstName: '<b>Ada</b>', custom: { city: 'Turin' } };

describe('campaign templates', () => {
  it('compiles MJML once, indexes its links and renders escaped merge fields', async () => {
    const compiled = await compileTemplate({
      subject: 'News for {{ contact.firstName }}',
      html: `<mjml><mj-body><mj-section><mj-column>
        <mj-text>Hi {{ contact.firstName }} in {{ contact.custom.city }}</mj-text>
        <mj-button href="https://example.com/a">A</mj-button>
        <mj-text><a href="https://example.com/b">B</a> <a href="https://example.com/a">A again</a> <a href="mailto:x@example.com">mail</a></mj-text>
      </mj-column></mj-section></mj-body></mjml>`,
    });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const { template } = compiled;
    expect(template.links).toEqual(['https://example.com/a', 'https://example.com/b']);
    expect(template.mergeFields).toEqual(['contact.custom.city', 'contact.firstName']);
    expect(template.html).toContain('{{ links[0] }}');
    expect(template.html).toContain('mailto:x@example.com');

    const direct = await renderTemplate(template, contact, { links: template.links });
    expect(direct.subject).toBe('News for <b>Ada</b>'); // the subject is plain text
    expect(direct.html).toContain('Hi &lt;b&gt;Ada&lt;/b&gt; in Turin');
    expect(direct.html).toContain('href="https://example.com/b"');
    expect(direct.html).not.toContain('<img src');
    expect(direct.text).toContain('Turin');

    const tracked = await renderTemplate(template, contact, {
      links: ['https://t.example/c/1', 'https://t.example/c/2'],
      pixel: 'https://t.example/o/1',
    });
    expect(tracked.html).toContain('href="https://t.example/c/2"');
    expect(tracked.html).not.toContain('https://example.com/b');
    expect(tracked.html).toMatch(/<img src="https:\/\/t\.example\/o\/1"[^>]*><\/body>/);
  });

  it('names every problem: unknown merge fields, broken Liquid, MJML the compiler refuses', async () => {
    const result = await compileTemplate({
      subject: '{{ contact.password }}',
      html: '<mjml><mj-body><mj-text>loose</mj-text></mj-body></mjml>',
      text: 'Hi {{ contact.firstName ',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field).sort()).toEqual(['html', 'subject', 'text']);
    expect(result.problems.find((p) => p.field === 'subject')!.message).toContain(
      'contact.password',
    );
    expect(result.problems.find((p) => p.field === 'html')!.message).toMatch(/^MJML: /);
  });

  it('refuses links that hold merge fields, and accepts plain HTML as written', async () => {
    const linked = await compileTemplate({
      subject: 's',
      html: '<p><a href="https://example.com/?u={{ contact.email }}">me</a></p>',
    });
    expect(linked.ok).toBe(false);
    const plain = await compileTemplate({ subject: 's', html: '<p>Hello {{ contact.email }}</p>' });
    expect(plain.ok && plain.template.mergeFields).toEqual(['contact.email']);
  });

  it('tracks only where the campaign, the list and the subject all allow it', () => {
    const on = { tracking: true };
    expect(mayTrack(on, on, {}, 'l1')).toBe(true);
    expect(mayTrack({ tracking: false }, on, {}, 'l1')).toBe(false);
    expect(mayTrack(on, { tracking: false }, {}, 'l1')).toBe(false);
    expect(mayTrack(on, null, {}, 'l1')).toBe(false);
    expect(mayTrack(on, on, { trackingObjection: ['l1'] }, 'l1')).toBe(false);
    expect(mayTrack(on, on, { trackingObjection: ['*'] }, 'l1')).toBe(false);
    expect(mayTrack(on, on, { trackingObjection: ['l2'] }, 'l1')).toBe(true);
  });
});
