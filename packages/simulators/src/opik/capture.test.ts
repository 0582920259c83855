/**
 * The capture server through the real `opik` SDK (`new Opik({ apiUrl })`, what `OPIK_URL_OVERRIDE`
 * sets): a trace with spans, updates after a flush (PATCH), feedback scores, and the stall and down
 * modes. The endpoints are the ones the SDK called when pointed at a recorder; their answers follow
 * Opik's REST API (204 on ingestion, `{"errors": [...]}` on a refusal).
 */

import fc from 'fast-check';
import { disableLogger, Opik } from 'opik';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpikCaptureServer, startOpikCaptureServer } from './server.ts';

// the SDK logs its own failed flushes (a stalled or absent server): expected here, kept out of the output
disableLogger();

let sim: OpikCaptureServer | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

const clientFor = (s: OpikCaptureServer) =>
  new Opik({ apiUrl: s.apiUrl, projectName: 'switchboard', apiKey: 'k', workspaceName: 'ws' });

describe('Opik capture server', () => {
  it('stores a call trace, its spans, later updates and feedback scores', async () => {
    sim = await startOpikCaptureServer();
    const opik = clientFor(sim);
    const trace = opik.trace({
      name: 'call CA1',
      input: { callSid: 'CA1' },
      metadata: { brand: 'acme' },
      tags: ['call'],
    });
    const tool = trace.span({ name: 'tool get_knowledge', type: 'tool', input: { query: 'hours' } });
    tool.update({ output: { chunks: 3 } });
    tool.end();
    const llm = trace.span({
      name: 'response.done',
      type: 'llm',
      model: 'gpt-realtime',
      provider: 'openai',
      totalEstimatedCost: 0.012,
    });
    await opik.flush();
    // updated after the first flush: the SDK PATCHes them
    llm.update({ usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 } });
    llm.end();
    trace.update({ output: { endReason: 'caller_hangup' } });
    trace.score({ name: 'resolved', value: 1 });
    trace.end();
    await opik.flush();
    const stored = sim.store.traces();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      name: 'call CA1',
      input: { callSid: 'CA1' },
      metadata: { brand: 'acme' },
      project_name: 'switchboard',
      output: { endReason: 'caller_hangup' },
    });
    expect(stored[0]!.end_time).toEqual(expect.any(String));
    const spans = sim.store.spans(stored[0]!.id);
    expect(spans.map((s) => s.name)).toEqual(['tool get_knowledge', 'response.done']);
    expect(spans[1]).toMatchObject({
      type: 'llm',
      model: 'gpt-realtime',
      provider: 'openai',
      total_estimated_cost: 0.012,
      usage: { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 },
    });
    expect(sim.store.traceScores).toEqual([
      expect.objectContaining({ id: stored[0]!.id, name: 'resolved', value: 1 }),
    ]);
    const calls = sim.store.requests.map(
      (r) => `${r.method} ${r.path.replace(/[0-9a-f-]{36}/, ':id')} ${r.status}`,
    );
    expect(calls).toEqual(
      expect.arrayContaining([
        'POST /api/v1/private/traces/batch 204',
        'POST /api/v1/private/spans/batch 204',
        'PATCH /api/v1/private/spans/:id 204',
        'PATCH /api/v1/private/traces/:id 204',
        'PUT /api/v1/private/traces/feedback-scores 204',
      ]),
    );
  });

  it('stall mode: accepts the request and never answers, so the caller must not wait on it', async () => {
    sim = await startOpikCaptureServer({ mode: 'stall' });
    const opik = clientFor(sim);
    opik.trace({ name: 'call CA2' }).end();
    let settled = false;
    void opik.flush().finally(() => {
      settled = true;
    });
    await sim.waitFor((s) => s.requests.some((r) => r.status === 'stalled'));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    expect(sim.stalled).toBeGreaterThan(0);
    expect(sim.store.traces()).toHaveLength(0);
  });

  it('down mode refuses connections; back up, it stores again', async () => {
    sim = await startOpikCaptureServer();
    await sim.setMode('down');
    const refused = await fetch(`${sim.apiUrl}/v1/private/traces/batch`, {
      method: 'POST',
      body: '{}',
    }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    await sim.setMode('up');
    const opik = clientFor(sim);
    opik.trace({ name: 'call CA3' }).end();
    await opik.flush();
    expect(sim.store.traces().map((t) => t.name)).toEqual(['call CA3']);
  });

  it('refuses malformed batches with 422 and the errors list, whatever arrives', async () => {
    sim = await startOpikCaptureServer();
    const post = (path: string, body: unknown) =>
      fetch(`${sim!.apiUrl}/v1/private/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const bad = await post('traces/batch', {
      traces: [{ id: 'not-a-uuid', start_time: '2026-01-01T00:00:00Z' }],
    });
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ errors: ['traces[0].id must be a UUID'] });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('traces/batch', 'spans/batch'), fc.jsonValue(), async (path, body) => {
        const res = await post(path, body);
        expect([204, 400, 422]).toContain(res.status);
        if (res.status !== 204)
          expect(Array.isArray(((await res.json()) as { errors: unknown }).errors)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
