import { describe, expect, it } from 'vitest';
import { escapeHtml, html, trusted } from './html.ts';

describe('html', () => {
  it('escapes interpolated text, including quotes for attributes', () => {
    const evil = `<script>alert("x")</script>' onmouseover='y`;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y">' +
        '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y</p>',
    );
    expect(out).not.toContain('<script>');
  });

  it('keeps nested templates and joins arrays, dropping null, undefined and false', () => {
    const items = ['a&b', '<i>'].map((t) => html`<li>${t}</li>`);
    expect(html`<ul>${items}${null}${undefined}${false}${0}</ul>`.value).toBe(
      '<ul><li>a&amp;b</li><li>&lt;i&gt;</li>0</ul>',
    );
    expect(html`${trusted('<br>')}`.value).toBe('<br>');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
  });
});
