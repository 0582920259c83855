// `pnpm demo:run --outbound` on the demo stack: the call goes out through the brand API with the demo
// brand's key, whatever the hour; the person answers, the outcome is recorded, and the brand's
// receiver gets one signed event. What the demo prints is what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOUND_OUTCOME, runOutboundDemo } from '../support/demo-outbound.ts';
import { type DemoStack, startDemoStack } from '../support/demo-stack.ts';

let demo: DemoStack;
beforeAll(async () => {
  demo = await startDemoStack();
}, 120_000);
afterAll(async () => {
  await demo?.close();
});

describe('demo:run --outbound', () => {
  it('places the call, records the quote, and the webhook receiver verifies the event', async () => {
    const lines: string[] = [];
    const r = await runOutboundDemo(demo.stack, (l) => lines.push(l));
    expect(r).toMatchObject({
      status: 'completed',
      answeredBy: 'human',
      outcome: OUTBOUND_OUTCOME,
      webhook: { state: 'delivered', attempts: 1 },
    });
    expect(r.received).toEqual([{ eventId: expect.any(String), verified: true }]);
    const text = lines.join('\n');
    expect(text).toContain('status: completed');
    expect(text).toContain(`outcome: ${JSON.stringify(OUTBOUND_OUTCOME)}`);
    expect(text).toMatch(/webhook: delivered after 1 try; the receiver got 1 event, signature verified/);
  }, 90_000);
});
