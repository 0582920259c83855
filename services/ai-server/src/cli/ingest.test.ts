import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brand, startTestApp, type TestApp } from '../testing/test-app.ts';
import { runIngest } from './ingest.ts';

let t: TestApp;
let url: string;
let apiKey: string;
let dir: string;

function capture() {
  const out = new PassThrough() as PassThrough & { isTTY?: boolean };
  let text = '';
  out.on('data', (c) => {
    text += c;
  });
  return { out, text: () => text };
}

beforeAll(async () => {
  t = await startTestApp();
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  ({ apiKey } = await t.createBrand('CLI brand'));
  dir = mkdtempSync(join(tmpdir(), 'sb-export-'));
  mkdirSync(join(dir, 'billing'));
  writeFileSync(
    join(dir, 'billing', 'refunds.md'),
    '# Refunds\n\nRefunds reach your card within **10 days**.',
  );
  writeFileSync(
    join(dir, 'hours.html'),
    '<html><head><title>Opening hours</title></head><body><p>We open at 9.</p></body></html>',
  );
  writeFileSync(
    join(dir, 'export.json'),
    JSON.stringify({
      articles: [
        { id: 7, title: 'Shipping', body: '<p>Two to four days.</p>' },
        { id: 8, title: 'Gift cards', body: 'Valid three years.' },
      ],
    }),
  );
  writeFileSync(join(dir, 'notes.pdf'), 'ignored: not an export format');
  writeFileSync(join(dir, 'broken.json'), '{ nope');
});

afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingest CLI', () => {
  it('ingests a folder, reports bad files, and does nothing the second time', async () => {
    const first = capture();
    const s1 = await runIngest({ path: dir, url, apiKey, batchSize: 2, out: first.out });
    expect(s1).toMatchObject({ files: 4, articles: 4, created: 4, updated: 0, unchanged: 0, failed: 1 });
    expect(s1.errors).toEqual([expect.stringMatching(/^broken\.json: not valid JSON/)]);
    expect(first.text()).toMatch(/100% 4\/4 articles \(created 4, updated 0, unchanged 0, failed 1\)/);

    const list = await t.app.inject({ url: '/admin/knowledge/articles', headers: brand(apiKey) });
    expect(
      list
        .json()
        .articles.map((a: { externalId: string }) => a.externalId)
        .sort(),
    ).toEqual(['7', '8', 'billing/refunds.md', 'hours.html']);

    const s2 = await runIngest({ path: dir, url, apiKey, out: capture().out });
    expect(s2).toMatchObject({ created: 0, updated: 0, unchanged: 4 });

    writeFileSync(join(dir, 'billing', 'refunds.md'), '# Refunds\n\nRefunds now take 14 days.');
    const s3 = await runIngest({ path: join(dir, 'billing', 'refunds.md'), url, apiKey, out: capture().out });
    // A single file's id is its name; the folder run used the path inside the export.
    expect(s3).toMatchObject({ files: 1, created: 1 });
    const s4 = await runIngest({ path: dir, url, apiKey, out: capture().out });
    expect(s4).toMatchObject({ updated: 1, unchanged: 3 });
  });

  it('draws a bar on a terminal', async () => {
    const tty = capture();
    tty.out.isTTY = true;
    await runIngest({ path: join(dir, 'hours.html'), url, apiKey, out: tty.out });
    expect(tty.text()).toMatch(/\r\[#+\] 100% 1\/1 articles/);
  });

  it('stops at a bad API key', async () => {
    const s = await runIngest({ path: dir, url, apiKey: 'sbk_wrong', batchSize: 1, out: capture().out });
    expect(s.created + s.updated + s.unchanged).toBe(0);
    expect(s.errors.at(-1)).toMatch(/INVALID_API_KEY/);
  });

  it('runs as a command with a summary and exit code', async () => {
    const script = fileURLToPath(new URL('./ingest.ts', import.meta.url));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, join(dir, 'export.json'), '--url', url],
      {
        env: { ...process.env, AI_SERVER_API_KEY: apiKey },
      },
    );
    let stdout = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(stdout).toContain('1 files, 2 articles: 0 created, 0 updated, 2 unchanged, 0 failed');
    expect(code).toBe(0);
  });
});
