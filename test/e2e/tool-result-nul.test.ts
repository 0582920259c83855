// A brand's tool answers with NUL and an unpaired surrogate in its result: the call goes on, and the
// tool turn and everything after it reach app-server's transcript (nothing is dropped), repaired.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RealtimeSimSession } from '@switchboard/simulators/openai-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACME, type FullStack, startFullStack } from '../support/full-stack.ts';
import { addOrderStatusTool, endedConversation, nthReply, waitUntilHeard } from '../support/tools-call.ts';

const TOOL = 'order_status';
const AFTER = 'Your order has shipped.';

let stack: FullStack;
let endpoint: Server;

beforeAll(async () => {
  endpoint = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"status":"ship\\u0000ped","note":"box \\ud800 3","carrier":"Acme\\u0000Post"}'),
    );
  });
  await new Promise<void>((r) => endpoint.listen(0, '127.0.0.1', r));
  stack = await startFullStack();
  await addOrderStatusTool(stack, {
    name: TOOL,
    endpointUrl: `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/order-status`,
    timeoutMs: 5000,
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  endpoint?.closeAllConnections();
  endpoint?.close();
});

describe('a tool result with NUL', () => {
  it('reaches the transcript repaired, and the turns after it too', async () => {
    stack.realtime.setScenario({
      greeting: ACME.greeting,
      msPerChar: 20,
      turns: [
        {
          user: 'Where is my order 1234?',
          toolCalls: [{ name: TOOL, arguments: { order_id: '1234' } }],
          afterTools: AFTER,
        },
      ],
    });
    const index = stack.realtime.sessions.length;
    const session = (): RealtimeSimSession | undefined => stack.realtime.sessions[index];
    const call = await stack.call({
      source: [
        ...waitUntilHeard(session, nthReply('greeting')),
        { audio: { toneHz: 300, ms: 700 }, label: 'question' },
        ...waitUntilHeard(session, nthReply('after_tools')),
        { pauseMs: 300 },
        { hangup: true },
      ],
    });
    await call.ended;
    const view = await endedConversation(stack, call.callSid);
    const raw = await stack.staffGet<{
      messages: Array<{ role: string; toolName: string | null; toolResult: unknown; text: string | null }>;
    }>(`/api/conversations/${view.conversation.id}`);
    const tool = raw.messages.find((m) => m.toolName === TOOL);
    expect(tool, JSON.stringify(raw.messages)).toBeDefined();
    const stored = JSON.stringify(tool!.toolResult);
    expect(stored).toContain('shipped');
    expect(stored).toContain('AcmePost');
    expect(stored).not.toContain('\\u0000');
    expect(stored).toContain('\uFFFD');
    // Nothing after the tool turn went missing.
    expect(raw.messages.some((m) => m.role === 'agent' && m.text === AFTER)).toBe(true);
  }, 60_000);
});
