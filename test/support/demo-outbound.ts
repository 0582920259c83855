// `pnpm demo:run --outbound` (scripts/demo.ts): the agent places a call for the Acme brand through the outbound API
// (the brand's key, as a brand would), a simulated person answers and gives a price, the agent records
// it against the brand's outcome schema, and the brand's webhook receiver (here, on this machine) gets
// the signed result. Answering machine detection runs first: the agent speaks once it says human.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '@switchboard/ai-server';
import type { RealtimeSimSession, Scenario } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { ACME, type FullStack } from './full-stack.ts';
import { nthReply, waitUntilHeard } from './tools-call.ts';

export const OUTBOUND_CALLEE = '+14155550199';
export const OUTBOUND_TASK = 'Ask for a quote to repaint a two-bedroom flat, and when they could start.';
export const OUTBOUND_OUTCOME = { price: 450, currency: 'USD', availableFrom: '2027-01-04' };
const OUTCOME_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['price', 'currency'],
  properties: { price: { type: 'number' }, currency: { type: 'string' }, availableFrom: { type: 'string' } },
};

/** What the outbound demo saw (the test reads it). */
export interface OutboundDemoResult {
  status: string;
  answeredBy: string | null;
  outcome: unknown;
  conversationUrl: string | null;
  webhook: { state: string; attempts: number } | null;
  /** Events the receiver got, and whether each signature verified. */
  received: Array<{ eventId: string; verified: boolean }>;
}

export async function runOutboundDemo(
  stack: FullStack,
  say: (line: string) => void,
): Promise<OutboundDemoResult> {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    const auth = { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' };
    const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/switchboard`;
    const hook = await fetch(`${stack.ai.url}/admin/outbound-webhook`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ url: hookUrl }),
    });
    const { secret } = (await hook.json()) as { secret?: string };
    if (!secret) throw new Error(`the webhook was not created: HTTP ${hook.status}`);
    say(`The brand's outcome webhook: ${hookUrl} (its signing secret came back once, in that answer)`);

    // The person who answers waits for the agent's opening, gives a price, and hangs up after thanks.
    const first = stack.realtime.sessions.length;
    const sessionOf = (): RealtimeSimSession | undefined => stack.realtime.sessions[first];
    stack.realtime.setScenario(quoteScenario);
    stack.setCallee(() => ({
      answer: 'human',
      source: [
        ...waitUntilHeard(sessionOf, nthReply('greeting')),
        { audio: { toneHz: 300, ms: 700 }, label: 'price' },
        ...waitUntilHeard(sessionOf, nthReply('after_tools')),
        { hangup: true },
      ] as CallerScriptStep<SimulatedCall>[],
    }));

    say(`\nPOST ${stack.ai.url}/admin/outbound-calls  (to ${OUTBOUND_CALLEE}, profile ${ACME.profileKey})`);
    say(`  task: ${OUTBOUND_TASK}`);
    const placed = await fetch(`${stack.ai.url}/admin/outbound-calls`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        to: OUTBOUND_CALLEE,
        profileKey: ACME.profileKey,
        task: OUTBOUND_TASK,
        context: { flat: 'two bedrooms, Boston' },
        outcomeSchema: OUTCOME_SCHEMA,
        idempotencyKey: `demo-quote-${Date.now()}`,
      }),
    });
    const call = (await placed.json()) as { id?: string; callSid?: string; error?: { message: string } };
    if (!call.id) throw new Error(`the call was refused: HTTP ${placed.status} ${call.error?.message ?? ''}`);
    say(`  ${placed.status}: call ${call.id} (${call.callSid}), queued`);

    type View = {
      status: string;
      answeredBy: string | null;
      outcome: unknown;
      conversation: { url: string | null } | null;
      webhook: { state: string; attempts: number; eventId: string } | null;
    };
    let view: View | undefined;
    let lastStatus = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${stack.ai.url}/admin/outbound-calls/${call.id}`, { headers: auth });
      view = (await res.json()) as View;
      if (view.status !== lastStatus) {
        lastStatus = view.status;
        say(`  status: ${lastStatus}`);
      }
      if (view.webhook && view.webhook.state !== 'pending') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!view) throw new Error('the call was never seen');
    say(`  answered by: ${view.answeredBy ?? '-'} (answering machine detection, before the agent spoke)`);
    say(`  outcome: ${JSON.stringify(view.outcome)}`);
    if (view.conversation?.url) say(`  conversation: ${view.conversation.url}`);
    const checked = received.map((r) => ({
      eventId: String(r.headers['switchboard-event-id']),
      verified: verifyWebhook(secret, r.headers['switchboard-signature'] as string, r.body).ok,
    }));
    say(
      `  webhook: ${view.webhook?.state ?? 'none'} after ${view.webhook?.attempts ?? 0} ${view.webhook?.attempts === 1 ? 'try' : 'tries'}; the receiver got ${checked.length} event${checked.length === 1 ? '' : 's'}, signature ${checked.every((c) => c.verified) ? 'verified' : 'NOT verified'}`,
    );
    return {
      status: view.status,
      answeredBy: view.answeredBy,
      outcome: view.outcome,
      conversationUrl: view.conversation?.url ?? null,
      webhook: view.webhook ? { state: view.webhook.state, attempts: view.webhook.attempts } : null,
      received: checked,
    };
  } finally {
    await new Promise((r) => receiver.close(r));
  }
}

/** The simulated model: it opens with the task, hears the price, records it, thanks and says goodbye. */
const quoteScenario: Scenario = {
  persona: { match: /repaint a two-bedroom flat/ },
  msPerChar: 20,
  greeting: 'Hello, this is Acme calling for a quote to repaint a two-bedroom flat.',
  turns: [
    {
      user: 'It would be four hundred and fifty dollars, and we could start on the fourth of January.',
      toolCalls: [{ name: 'record_call_outcome', arguments: OUTBOUND_OUTCOME }],
      afterTools: 'Thank you, that is all I needed. Goodbye.',
    },
  ],
};
