// `eval:retrieval --lanes`: a labelled YAML set through each of a brand's lanes on the running server.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { acmeCorpus, laneApp, laneBrand, putLanes, TWO_LANES } from '../testing/lane-app.ts';
import type { TestApp } from '../testing/test-app.ts';
import { main } from './eval-retrieval.ts';

let t: TestApp;
let url: string;
let apiKey: string;
let dir: string;
beforeAll(async () => {
  t = await laneApp();
  ({ apiKey } = await laneBrand(t, 'Acme', acmeCorpus()));
  expect((await putLanes(t, apiKey, { ...TWO_LANES, secondaryPercent: 0 })).statusCode).toBe(200);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  dir = mkdtempSync(join(tmpdir(), 'sb-lanes-'));
  writeFileSync(
    join(dir, 'set.yaml'),
    [
      'queries:',
      '  - { query: "my parcel still has not turned up", answers: [lost-parcels.md], kind: paraphrase }',
      '  - { query: "how long does shipping take", answers: [shipping-times.md], kind: direct }',
      '  - { query: "what is the airspeed of a swallow", answers: [] }',
    ].join('\n'),
  );
}, 120_000);
afterAll(() => t.close());

describe('eval:retrieval --lanes', () => {
  it('prints both lanes side by side, and exits 1 when a lane misses a floor', async () => {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((l: string) => void lines.push(l));
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const args = ['--lanes', '--queries', 'set.yaml', '--url', url, '--api-key', apiKey];
      expect(await main(args, dir)).toBe(0);
      const table = lines.join('\n');
      expect(table).toMatch(/^pg-hybrid\s+\d\.\d{3}/m);
      expect(table).toMatch(/^pinecone\s+\d\.\d{3}/m);
      expect(await main([...args, '--floor', 'pinecone.hit1=1.1'], dir)).toBe(1);
      expect(
        await main(['--lanes', '--queries', 'set.yaml', '--url', url, '--api-key', 'sbk_wrong'], dir),
      ).toBe(1);
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });
});
