// Tickets a call raises carry its trace id: the decorator alone, then a call whose tools raise a
// callback and a hand-off through the app-server outbox (QueuedAppServer), as app-server receives them.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { QueuedAppServer } from '../resilience/queued-app-server.ts';
import { RecordingCallTracer } from '../testing/recording-tracer.ts';
import { CALL, harness, responseCreated, responseDone, settle, until } from '../testing/session-harness.ts';
import { withTraceOnTickets } from './traced-tickets.ts';

function functionCall(rt: ScriptedRealtimeConnection, resp: string, name: string, args: unknown) {
  responseCreated(rt, resp);
  rt.emit({
    type: 'response.output_item.done',
    event_id: 'e',
    response_id: resp,
    output_index: 0,
    item: {
      id: `item_${resp}`,
      type: 'function_call',
      call_id: `call_${resp}`,
      name,
      arguments: JSON.stringify(args),
      status: 'completed',
    },
  });
  responseDone(rt, resp);
}

describe('the trace id on tickets (voice-server)', () => {
  it('adds the trace id to hand-off and callback tickets, keeps one already given, passes the rest', async () => {
    const inner = new InMemoryAppServer();
    const client = withTraceOnTickets(inner, 'trace-9');
    await client.startConversation({
      callSid: 'CA1',
      botProfileKey: 'p',
      callerNumber: '+1',
      isSip: false,
      startedAt: new Date(0).toISOString(),
    });
    await client.createHandoffTicket('CA1', { summary: 's', transcriptExcerpt: '', knowledgeChunkIds: [] });
    await client.createCallbackTicket('CA1', {
      phone: '+14155550123',
      timezone: 'UTC',
      reason: 'r',
      opikTraceId: 'given',
    });
    await client.endConversation('CA1', {
      endReason: 'x',
      endedAt: new Date(0).toISOString(),
      durationSec: 1,
    });
    const c = inner.conversations.get('CA1')!;
    expect(c.handoffs[0]!.opikTraceId).toBe('trace-9');
    expect(c.callbacks[0]!.opikTraceId).toBe('given');
    expect(c.end?.endReason).toBe('x');
    // Tracing off: the client itself, nothing added.
    expect(withTraceOnTickets(inner, undefined)).toBe(inner);
  });

  it("a call's callback and hand-off tickets reach app-server through the outbox with the call's trace id", async () => {
    const app = new InMemoryAppServer();
    const outbox = new QueuedAppServer(app, { retryBaseMs: 5, ticketWaitMs: 2_000 });
    const tracer = new RecordingCallTracer();
    const h = harness({
      appServer: outbox,
      tracer,
      profile: { transferTarget: '+18005550199', outboundCallerId: '+18005550100' },
    });
    const rt = await h.rt();
    functionCall(rt, 'r1', 'create_callback_ticket', { reason: 'refund question' });
    await settle();
    functionCall(rt, 'r2', 'transfer_to_human', { reason: 'angry', summary: 'wants a person' });
    await until(() => (app.conversations.get(CALL.callSid)?.handoffs.length ?? 0) > 0, 'hand-off ticket');
    const stored = app.conversations.get(CALL.callSid)!;
    const traceId = tracer.traces[0]!.traceId;
    expect(traceId).toBe('trace-1');
    expect(stored.callbacks).toEqual([
      expect.objectContaining({ reason: 'refund question', opikTraceId: traceId }),
    ]);
    expect(stored.handoffs).toEqual([
      expect.objectContaining({ transferTarget: '+18005550199', opikTraceId: traceId }),
    ]);
    h.transport.stop();
    await h.done;
    outbox.close();
  });

  it('without a tracer, tickets go out without a trace id', async () => {
    const h = harness();
    const rt = await h.rt();
    functionCall(rt, 'r1', 'create_callback_ticket', { reason: 'later' });
    await until(() => (h.appServer.conversations.get(CALL.callSid)?.callbacks.length ?? 0) > 0, 'callback');
    expect(h.appServer.conversations.get(CALL.callSid)!.callbacks[0]!.opikTraceId).toBeUndefined();
    h.transport.stop();
    await h.done;
  });
});
