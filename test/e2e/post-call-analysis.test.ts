// Post-call analysis end to end: a simulated call through the three services ends, app-server queues
// its analysis (pg-boss on the embedded database), the inline worker asks the OpenAI chat simulator
// through the openai SDK with the call's transcript, and staff read the result over the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';

let stack: FullStack;
beforeAll(async () => {
  stack = await startFullStack({
    analysis: true,
    realtime: {
      scenario: {
        greeting: ACME.greeting,
        turns: [
          {
            user: 'How long does shipping take? Could someone call me back tomorrow?',
            say: 'Standard shipping takes three to five business days. A colleague will call you back.',
          },
        ],
      },
    },
  });
}, 90_000);
afterAll(async () => {
  await stack?.close();
});

interface Analysis {
  status: string;
  sentiment: string;
  intent: string;
  resolution: string;
  model: string;
  promptVersion: string;
}

describe('post-call analysis through the whole product', () => {
  it('analyses an ended call from its transcript and shows it to staff', async () => {
    const call = await stack.call({
      source: [
        { until: (c) => c.heardMs >= 500 && !c.isHearingAudio, timeoutMs: 15_000 },
        { audio: { toneHz: 300, ms: 700 }, label: 'question' },
        { pauseMs: 1200 },
        { until: (c) => c.turns[0]?.responseLatencyMs !== undefined && !c.isHearingAudio, timeoutMs: 20_000 },
        { pauseMs: 300 },
        { hangup: true },
      ],
    });
    await call.ended;
    const list = await stack.staffGet<{ items: Array<{ id: string; callSid: string }> }>(
      '/api/conversations',
    );
    const id = list.items.find((c) => c.callSid === call.callSid)?.id;
    expect(id).toBeDefined();
    let analysis: Analysis | undefined;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      analysis = await stack
        .staffGet<{ analysis: Analysis }>(`/api/conversations/${id}/analysis`)
        .then((r) => r.analysis)
        .catch(() => undefined);
      if (analysis?.status === 'done') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(analysis).toMatchObject({
      status: 'done',
      intent: 'shipping',
      resolution: 'follow_up',
      model: 'gpt-4.1-mini',
      promptVersion: 'call-analysis/2',
    });
    expect(stack.chat!.requests).toEqual([
      expect.objectContaining({
        api: 'chat.completions',
        schemaName: 'call_analysis',
        strict: true,
        status: 200,
      }),
    ]);
  }, 90_000);
});
