/**
 * Help-center content to plain text, and help-center export files to articles. No HTML/Markdown
 * library: exports are simple documents, and what matters is clean words for search and embeddings.
 */
import { basename, extname } from 'node:path';

export type ArticleFormat = 'text' | 'markdown' | 'html';

/** One article as an export file yields it (body still in its source format). */
export interface SourceArticle {
  externalId: string;
  title: string;
  body: string;
  format: ArticleFormat;
  url?: string;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
  copy: '©',
  reg: '®',
  trade: '™',
};

/** Decodes named and numeric character references; unknown ones stay as written. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,8}|#\d{1,8}|[a-z]{1,32});/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

const BLOCK_TAGS =
  'p|div|br|hr|ul|ol|h[1-6]|tr|td|th|table|section|article|header|footer|blockquote|pre|dd|dt|dl|figure|figcaption';

/** `s` without the spans from each `open` match to the next `close` (case-insensitive); one pass. */
function dropSpans(s: string, open: RegExp, close: (m: RegExpExecArray) => string): string {
  const lower = s.toLowerCase();
  let out = '';
  let at = 0;
  open.lastIndex = 0;
  for (let m = open.exec(s); m; m = open.exec(s)) {
    const end = lower.indexOf(close(m), m.index + m[0].length);
    const gt = end < 0 ? -1 : s.indexOf('>', end);
    out += `${s.slice(at, m.index)} `;
    // An unclosed comment or script hides the rest of the page, as it does in a browser.
    at = gt < 0 ? s.length : gt + 1;
    open.lastIndex = at;
    if (at >= s.length) break;
  }
  return out + s.slice(at);
}

const COMMENT = /<!--/g;
const HIDDEN_ELEMENT = /<(script|style|noscript|template|head)\b/gi;

/** Visible text of an HTML fragment or page, with paragraph breaks kept. Linear in the input. */
export function htmlToText(html: string): string {
  const visible = dropSpans(
    dropSpans(html, COMMENT, () => '-->'),
    HIDDEN_ELEMENT,
    (m) => `</${m[1]!.toLowerCase()}`,
  );
  // Tags never contain "<", so a stray "<" ends a match attempt at once (no quadratic rescans).
  const text = visible
    .replace(/<li\b[^<>]*>/gi, '\n- ')
    .replace(new RegExp(`</?(?:${BLOCK_TAGS})\\b[^<>]*>`, 'gi'), '\n')
    .replace(/<[^<>]+>/g, '');
  return tidy(decodeEntities(text));
}

/** Markdown to readable text: link and image text kept, markup dropped. */
export function markdownToText(md: string): string {
  const text = stripFrontMatter(md)
    .replace(/^```.*$/gm, '')
    .replace(/!\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\([^()]*\)/g, '$1')
    .replace(/^\s{0,3}#{1,6}\s+/gm, '')
    .replace(/^\s{0,3}>\s?/gm, '')
    .replace(/(\*\*|__)([^\n]{1,300}?)\1/g, '$2')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_](?=[\s).,!?:;]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/<[^<>]+>/g, '');
  return tidy(decodeEntities(text));
}

/** Plain text of `content` written in `format`. */
export function toPlainText(content: string, format: ArticleFormat): string {
  if (format === 'html') return htmlToText(content);
  if (format === 'markdown') return markdownToText(content);
  return tidy(content);
}

function tidy(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function stripFrontMatter(md: string): string {
  return md.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n?/, '');
}

function frontMatter(md: string): Record<string, string> {
  const m = /^---\r?\n([\s\S]*?)\r?\n---/.exec(md);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const line of m[1]!.split(/\r?\n/)) {
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (kv) out[kv[1]!.toLowerCase()] = kv[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/** Thrown for an export file that can't be read as articles; the message names the file. */
export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
}

/** File extensions the ingest CLI reads. */
export const EXPORT_EXTENSIONS = ['.md', '.markdown', '.html', '.htm', '.json', '.txt'];

/**
 * Articles in one export file. `relPath` (the file's path inside the export) becomes the external id
 * of Markdown, HTML and text files; JSON articles use their own `id`.
 */
export function parseExportFile(relPath: string, content: string): SourceArticle[] {
  const ext = extname(relPath).toLowerCase();
  const fallbackTitle = basename(relPath, ext).replace(/[-_]+/g, ' ').trim();
  if (ext === '.md' || ext === '.markdown') {
    const fm = frontMatter(content);
    const heading = /^\s{0,3}#\s+(.+)$/m.exec(stripFrontMatter(content))?.[1]?.trim();
    return [
      {
        externalId: fm.id || relPath,
        title: fm.title || heading || fallbackTitle,
        body: content,
        format: 'markdown',
        ...(fm.url ? { url: fm.url } : {}),
      },
    ];
  }
  if (ext === '.html' || ext === '.htm') {
    const title =
      /<title[^<>]*>([^<]*)<\/title>/i.exec(content)?.[1] ?? /<h1[^<>]*>([^<]*)<\/h1>/i.exec(content)?.[1];
    const canonical = /<link[^<>]+rel=["']canonical["'][^<>]*href=["']([^"'<>]+)["']/i.exec(content)?.[1];
    return [
      {
        externalId: relPath,
        title: title ? htmlToText(title) : fallbackTitle,
        body: content,
        format: 'html',
        ...(canonical ? { url: canonical } : {}),
      },
    ];
  }
  if (ext === '.txt') return [{ externalId: relPath, title: fallbackTitle, body: content, format: 'text' }];
  if (ext === '.json') return parseJsonExport(relPath, content);
  throw new ExportFormatError(`${relPath}: unsupported file type ${ext || '(none)'}`);
}

function parseJsonExport(relPath: string, content: string): SourceArticle[] {
  let data: unknown;
  try {
    data = JSON.parse(content);
  } catch (err) {
    throw new ExportFormatError(`${relPath}: not valid JSON (${(err as Error).message})`);
  }
  const list = Array.isArray(data)
    ? data
    : data && typeof data === 'object' && Array.isArray((data as { articles?: unknown }).articles)
      ? (data as { articles: unknown[] }).articles
      : [data];
  return list.map((item, i) => {
    if (!item || typeof item !== 'object') throw new ExportFormatError(`${relPath}[${i}]: not an object`);
    const a = item as Record<string, unknown>;
    const str = (...keys: string[]) => {
      for (const k of keys) {
        const v = a[k];
        if (typeof v === 'string' && v.trim()) return v;
        if (typeof v === 'number') return String(v);
      }
      return undefined;
    };
    const title = str('title', 'name', 'question');
    const body = str('body', 'body_html', 'html', 'content', 'text', 'answer');
    if (!title) throw new ExportFormatError(`${relPath}[${i}]: article has no title`);
    if (body === undefined) throw new ExportFormatError(`${relPath}[${i}]: article "${title}" has no body`);
    const url = str('url', 'html_url', 'link');
    return {
      externalId: str('id', 'external_id', 'externalId', 'slug') ?? `${relPath}#${i}`,
      title: decodeEntities(title),
      body,
      format: /<\/?[a-z][^<>]*>/i.test(body) ? 'html' : 'markdown',
      ...(url ? { url } : {}),
    } satisfies SourceArticle;
  });
}
