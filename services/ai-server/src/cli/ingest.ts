// `pnpm --filter @switchboard/ai-server ingest <folder|file>`: sends a help-center export (Markdown,
// HTML, JSON or text articles) to a running ai-server through the brand admin API, in batches, with a
// progress bar. Idempotent: ai-server skips unchanged articles and replaces the chunks of changed ones.
//
//   --url <ai-server base URL>   default $AI_SERVER_URL or http://localhost:8081
//   --api-key <sbk_...>          default $AI_SERVER_API_KEY (a brand API key)
//   --batch <n>                  articles per request (default 50, at most 100)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { env, JsonClient, loadConfig, ServiceError } from '@switchboard/service-kit';
import type { FieldRepair } from '../knowledge/article-repairs.ts';
import { EXPORT_EXTENSIONS, parseExportFile, type SourceArticle } from '../knowledge/article-text.ts';
import { type IngestResult, MAX_ARTICLE_CHARS } from '../knowledge/knowledge-store.ts';
import { ProgressBar } from './progress-bar.ts';

export interface IngestOptions {
  path: string;
  url: string;
  apiKey: string;
  batchSize?: number;
  out?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  fetch?: typeof fetch;
}

export interface IngestSummary {
  files: number;
  articles: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Articles or files that could not be ingested. */
  failed: number;
  /** Articles stored with NUL or unpaired surrogates removed from their text. */
  repaired: number;
  errors: string[];
  warnings: string[];
}

const MAX_ATTEMPTS = 3;
/** Request size the CLI aims under (the server takes up to 32 MB). */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** The export files under `path` (or `path` itself), with their path relative to the export root. */
export function listExportFiles(path: string): Array<{ file: string; rel: string }> {
  const root = resolve(path);
  if (statSync(root).isFile()) return [{ file: root, rel: basename(root) }];
  const out: Array<{ file: string; rel: string }> = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('.')) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (EXPORT_EXTENSIONS.includes(extname(e.name).toLowerCase()))
        out.push({ file: full, rel: relative(root, full).split('\\').join('/') });
    }
  };
  walk(root);
  return out;
}

/** Reads the export and sends it; resolves with what happened (it does not throw for bad articles). */
export async function runIngest(opts: IngestOptions): Promise<IngestSummary> {
  const out = opts.out ?? process.stderr;
  const batchSize = Math.min(Math.max(1, opts.batchSize ?? 50), 100);
  const summary: IngestSummary = {
    files: 0,
    articles: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    repaired: 0,
    errors: [],
    warnings: [],
  };
  const files = listExportFiles(opts.path);
  summary.files = files.length;

  const byId = new Map<string, SourceArticle>();
  for (const { file, rel } of files) {
    try {
      for (const a of parseExportFile(rel, readFileSync(file, 'utf8'))) {
        if (a.body.length > MAX_ARTICLE_CHARS) {
          summary.failed++;
          summary.errors.push(
            `${rel}: article ${a.externalId} is ${a.body.length} characters; the limit is ${MAX_ARTICLE_CHARS}`,
          );
          continue;
        }
        if (byId.has(a.externalId)) {
          summary.failed++;
          summary.errors.push(`${rel}: article id ${a.externalId} appears more than once; kept the first`);
          continue;
        }
        byId.set(a.externalId, a);
      }
    } catch (err) {
      summary.failed++;
      summary.errors.push((err as Error).message);
    }
  }
  const articles = [...byId.values()];
  summary.articles = articles.length;

  const client = new JsonClient({
    baseUrl: opts.url,
    token: opts.apiKey,
    timeoutMs: 120_000,
    fetch: opts.fetch,
  });
  const bar = new ProgressBar(out, articles.length, 'articles');
  const detail = () =>
    `(created ${summary.created}, updated ${summary.updated}, unchanged ${summary.unchanged}, failed ${summary.failed})`;
  bar.update(0, detail());
  let done = 0;
  for (const batch of batches(articles, batchSize)) {
    try {
      const { results } = await sendBatch(client, batch);
      for (const [i, r] of results.entries()) record(summary, r, batch[i]?.externalId ?? r.externalId);
    } catch (err) {
      summary.failed += batch.length;
      const e = err as ServiceError;
      summary.errors.push(
        `articles ${done + 1}-${done + batch.length}: ${e.code ? `${e.code}: ` : ''}${e.message}`,
      );
      // A bad key or a refused body won't improve with the next batch.
      if (e instanceof ServiceError && (e.statusCode === 401 || e.statusCode === 403)) break;
    }
    done += batch.length;
    bar.update(done, detail());
  }
  bar.finish();
  return summary;
}

/** Batches of at most `size` articles and about MAX_BATCH_BYTES of JSON. */
function batches(articles: SourceArticle[], size: number): SourceArticle[][] {
  const out: SourceArticle[][] = [];
  let batch: SourceArticle[] = [];
  let bytes = 0;
  for (const a of articles) {
    const n = Buffer.byteLength(a.body) + Buffer.byteLength(a.title) + 200;
    if (batch.length && (batch.length >= size || bytes + n > MAX_BATCH_BYTES)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(a);
    bytes += n;
  }
  if (batch.length) out.push(batch);
  return out;
}

type ArticleOutcome = IngestResult & { repaired?: FieldRepair[] };

/** An article id as the export wrote it; control characters and broken text shown escaped. */
function shownId(id: string): string {
  const odd = [...id].some((c) => {
    const code = c.charCodeAt(0);
    return code < 0x20 || (code >= 0xd800 && code <= 0xdfff);
  });
  return odd ? JSON.stringify(id) : id;
}

function record(summary: IngestSummary, r: ArticleOutcome, sentId: string): void {
  const id = shownId(sentId);
  if (r.status === 'failed') {
    summary.failed++;
    summary.errors.push(`article ${id}: ${r.error?.code}: ${r.error?.message}`);
    return;
  }
  summary[r.status]++;
  if (!r.repaired?.length) return;
  summary.repaired++;
  for (const f of r.repaired)
    summary.warnings.push(
      `article ${id}: ${f.field} stored with ${f.nulRemoved} NUL character(s) removed and ${f.surrogatesReplaced} unpaired surrogate(s) replaced`,
    );
}

async function sendBatch(client: JsonClient, batch: SourceArticle[]): Promise<{ results: ArticleOutcome[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request<{ results: ArticleOutcome[] }>({
        method: 'POST',
        path: '/admin/knowledge/articles',
        body: { articles: batch.map((a) => ({ ...a, url: a.url ?? null })) },
      });
    } catch (err) {
      if (!(err instanceof ServiceError) || !err.retryable || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 500 * 2 ** (attempt - 1)));
    }
  }
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { url: { type: 'string' }, 'api-key': { type: 'string' }, batch: { type: 'string' } },
  });
  const cfg = loadConfig({
    AI_SERVER_URL: env.url({ default: 'http://localhost:8081' }),
    AI_SERVER_API_KEY: env.optionalString({ secret: true }),
  });
  const path = positionals[0];
  const apiKey = values['api-key'] ?? cfg.AI_SERVER_API_KEY;
  if (!path || !apiKey) {
    console.error(
      'usage: ingest <folder|file> [--url <ai-server URL>] [--api-key <brand API key>] [--batch <n>]',
    );
    console.error('       (or set AI_SERVER_URL and AI_SERVER_API_KEY)');
    return 2;
  }
  const summary = await runIngest({
    // pnpm runs scripts in the package folder; INIT_CWD is where the user typed the command.
    path: resolve(process.env.INIT_CWD ?? process.cwd(), path),
    url: values.url ?? cfg.AI_SERVER_URL,
    apiKey,
    batchSize: values.batch ? Number(values.batch) : undefined,
  });
  for (const w of summary.warnings) console.error(`warning: ${w}`);
  for (const e of summary.errors) console.error(`error: ${e}`);
  console.log(
    `${summary.files} files, ${summary.articles} articles: ${summary.created} created, ${summary.updated} updated, ` +
      `${summary.unchanged} unchanged, ${summary.failed} failed, ${summary.repaired} repaired`,
  );
  return summary.failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
