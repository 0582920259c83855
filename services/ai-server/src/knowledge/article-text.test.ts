import { describe, expect, it } from 'vitest';
import { ExportFormatError, htmlToText, markdownToText, parseExportFile } from './article-text.ts';

describe('htmlToText', () => {
  it('keeps visible text and paragraph breaks, drops scripts, styles and tags, decodes entities', () => {
    const html = `<html><head><title>T</title><style>p{}</style></head><body>
      <h1>Returns &amp; refunds</h1><p>Send it back within <b>30&nbsp;days</b>.</p>
      <script>alert(1)</script><ul><li>Keep the receipt</li><li>Use the &#8220;label&#x201D;</li></ul><!-- note --></body></html>`;
    expect(htmlToText(html)).toBe(
      'Returns & refunds\n\nSend it back within 30 days.\n\n- Keep the receipt\n- Use the “label”',
    );
  });
});

describe('markdownToText', () => {
  it('drops markup and front matter but keeps link and image text', () => {
    const md =
      '---\ntitle: X\n---\n# Reset your password\n\nGo to **Settings** > [Security](https://x.example/s).\n\n![Screenshot](a.png)\n\n```\ncode line\n```\nUse `reset` _now_.';
    expect(markdownToText(md)).toBe(
      'Reset your password\n\nGo to Settings > Security.\n\nScreenshot\n\ncode line\n\nUse reset now.',
    );
  });
});

describe('parseExportFile', () => {
  it('reads Markdown: front-matter id/title/url, else the first heading, else the file name', () => {
    expect(
      parseExportFile(
        'billing/invoices.md',
        '---\nid: kb-7\ntitle: "Invoices"\nurl: https://help.example/kb-7\n---\nBody',
      ),
    ).toEqual([
      {
        externalId: 'kb-7',
        title: 'Invoices',
        body: '---\nid: kb-7\ntitle: "Invoices"\nurl: https://help.example/kb-7\n---\nBody',
        format: 'markdown',
        url: 'https://help.example/kb-7',
      },
    ]);
    expect(parseExportFile('a/b.md', '# Heading title\ntext')[0]).toMatchObject({
      externalId: 'a/b.md',
      title: 'Heading title',
    });
    expect(parseExportFile('a/shipping-times.md', 'no heading')[0]!.title).toBe('shipping times');
  });

  it('reads HTML titles and canonical links', () => {
    const [a] = parseExportFile(
      'x.html',
      '<html><head><title>Shipping &amp; delivery</title><link rel="canonical" href="https://help.example/ship"></head><body>b</body></html>',
    );
    expect(a).toMatchObject({
      externalId: 'x.html',
      title: 'Shipping & delivery',
      format: 'html',
      url: 'https://help.example/ship',
    });
  });

  it('reads JSON exports (Zendesk-like {articles:[...]}, arrays, single objects)', () => {
    const zendesk = JSON.stringify({
      articles: [
        {
          id: 101,
          title: 'Reset password',
          body: '<p>Click <b>Forgot</b></p>',
          html_url: 'https://help.example/101',
        },
        { id: 'faq-2', name: 'Opening hours', content: 'We open at 9.' },
      ],
    });
    expect(parseExportFile('export.json', zendesk)).toEqual([
      {
        externalId: '101',
        title: 'Reset password',
        body: '<p>Click <b>Forgot</b></p>',
        format: 'html',
        url: 'https://help.example/101',
      },
      { externalId: 'faq-2', title: 'Opening hours', body: 'We open at 9.', format: 'markdown' },
    ]);
    expect(parseExportFile('one.json', JSON.stringify({ title: 'Solo', text: 'x' }))[0]!.externalId).toBe(
      'one.json#0',
    );
  });

  it('names the file and entry when an export is unusable', () => {
    expect(() => parseExportFile('bad.json', '{')).toThrow(ExportFormatError);
    expect(() => parseExportFile('bad.json', '{')).toThrow(/bad\.json: not valid JSON/);
    expect(() => parseExportFile('list.json', JSON.stringify([{ title: 'x' }]))).toThrow(
      /list\.json\[0\]: article "x" has no body/,
    );
    expect(() => parseExportFile('file.pdf', 'x')).toThrow(/unsupported file type \.pdf/);
  });
});
