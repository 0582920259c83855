// One bad article never costs the rest of its export: NUL and unpaired surrogates in a help-center
// export are repaired and named, an article that can't be stored is named, and the others are stored.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, startTestApp, type TestApp } from '../testing/test-app.ts';
import { runIngest } from './ingest.ts';

let t: TestApp;
let url: string;
let apiKey: string;
let dir: string;

beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  ({ apiKey } = await t.createBrand('Export brand'));
  dir = mkdtempSync(join(tmpdir(), 'sb-nul-export-'));
  const articles = Array.from({ length: 50 }, (_, i) => ({
    id: `a-${i}`,
    title: `Article ${i}`,
    body: `Answer number ${i} about delivery and returns.`,
  }));
  articles[17]!.body = 'Refunds take\u0000 ten days.';
  articles[31]!.id = 'bad\u0000id';
  articles[40]!.title = 'Lone \uD800 surrogate';
  // JSON.stringify writes NUL as \u0000 and a lone surrogate as \ud800: what a real export holds.
  writeFileSync(join(dir, 'export.json'), JSON.stringify({ articles }));
});

afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const listIds = async () =>
  (await t.app.inject({ url: '/admin/knowledge/articles?limit=500', headers: brand(apiKey) }))
    .json()
    .articles.map((a: { externalId: string }) => a.externalId) as string[];

describe('an export with NUL characters', () => {
  it('stores every other article, repairs text it can, and names the article it could not store', async () => {
    const s = await runIngest({ path: dir, url, apiKey, out: new PassThrough() });
    expect(s).toMatchObject({ articles: 50, created: 49, failed: 1, repaired: 2 });
    expect(s.errors).toEqual([
      'article "bad\\u0000id": INVALID_TEXT: body.articles.31.externalId contains NUL or unpaired surrogate characters',
    ]);
    expect(s.warnings).toEqual([
      expect.stringMatching(/^article a-17: body stored with 1 NUL character\(s\) removed/),
      expect.stringMatching(/^article a-40: title stored with 0 NUL character\(s\) removed and 1 unpaired/),
    ]);
    const ids = await listIds();
    expect(ids).toHaveLength(49);
    expect(ids).toContain('a-17');
    expect(ids).not.toContain('badid');
    const stored = (
      await t.app.inject({ url: '/admin/knowledge/articles?limit=500', headers: brand(apiKey) })
    )
      .json()
      .articles.find((a: { externalId: string }) => a.externalId === 'a-17');
    const detail = (
      await t.app.inject({ url: `/admin/knowledge/articles/${stored.id}`, headers: brand(apiKey) })
    ).json();
    expect(detail.body).toBe('Refunds take ten days.');
  });

  it('the command prints the summary, names the article and exits non-zero', async () => {
    const script = fileURLToPath(new URL('./ingest.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, '--url', url], {
      env: { ...process.env, AI_SERVER_API_KEY: apiKey },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stdout).toContain(
      '1 files, 50 articles: 0 created, 0 updated, 49 unchanged, 1 failed, 2 repaired',
    );
    expect(stderr).toContain('error: article "bad\\u0000id": INVALID_TEXT');
    expect(code).toBe(1);
  });

  it('any text in any article field: each article is stored, repaired or named, never a 5xx', async () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ title: text, body: text, url: fc.option(text) }), {
          minLength: 1,
          maxLength: 4,
        }),
        async (items) => {
          const articles = items.map((a, i) => ({ externalId: `fuzz-${i}`, ...a, title: `t${a.title}` }));
          const res = await t.app.inject({
            method: 'POST',
            url: '/admin/knowledge/articles',
            headers: brand(apiKey),
            payload: { articles },
          });
          expect(res.statusCode).toBe(200);
          for (const r of res.json().results) expect(['created', 'updated', 'unchanged']).toContain(r.status);
        },
      ),
      { numRuns: 40 },
    );
  });
});
