import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { createLogger } from '@switchboard/service-kit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CALL,
  delta,
  harness,
  responseCreated,
  responseDone,
  responseStart,
  settle,
} from '../testing/session-harness.ts';
import { synthesizeEchoPop, THINKING_SOUND_MS, thinkingSoundChunks } from './thinking-sound.ts';
import { Toolset } from './toolset.ts';
import { transferCallerId } from './transfer-to-human.ts';

afterEach(() => {
  vi.useRealTimers();
});

/** The model calls `name` with `args` in response `resp`, then ends that response. */
function functionCall(
  rt: ScriptedRealtimeConnection,
  resp: string,
  name: string,
  args: string,
  callId = `call_${name}`,
) {
  responseCreated(rt, resp);
  rt.emit({
    type: 'response.output_item.done',
    event_id: 'e',
    response_id: resp,
    output_index: 0,
    item: {
      id: `item_${callId}`,
      type: 'function_call',
      call_id: callId,
      name,
      arguments: args,
      status: 'completed',
    },
  });
  responseDone(rt, resp);
}

/** Names of the tools advertised in the first session.update. */
function advertised(rt: ScriptedRealtimeConnection): string[] {
  const session = rt.sentOfType('session.update')[0]!.session as { tools?: Array<{ name?: string }> };
  return (session.tools ?? []).map((t) => t.name ?? '');
}

function outputs(rt: ScriptedRealtimeConnection) {
  return rt
    .sentOfType('conversation.item.create')
    .filter((e) => e.item.type === 'function_call_output')
    .map((e) => {
      const item = e.item as { call_id: string; output: string };
      return { callId: item.call_id, output: JSON.parse(item.output) };
    });
}

async function started(opts: Parameters<typeof harness>[0] = {}) {
  const h = harness(opts);
  const rt = await h.rt();
  return { ...h, rt };
}

describe('tool execution', () => {
  it('advertises the built-in tools in session.update', async () => {
    const h = await started();
    const names = advertised(h.rt);
    expect(names).toEqual([
      'get_knowledge',
      'transfer_to_human',
      'create_callback_ticket',
      'end_call',
      'switch_language',
    ]);
  });

  it('runs a tool in the background, then sends its output and one response.create', async () => {
    const h = await started();
    let release!: () => void;
    h.aiServer.searchKnowledge = async (_k, q) => {
      await new Promise<void>((r) => {
        release = r;
      });
      return {
        mode: 'hybrid',
        results: [
          { chunkId: 'c9', articleId: 'a1', title: 'Shipping', text: `${q.query}: 2 days`, score: 0.9 },
        ],
      };
    };
    functionCall(h.rt, 'r1', 'get_knowledge', '{"query":"shipping time"}');
    // The Realtime loop keeps going while the tool runs.
    h.rt.emit({ type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u1', previous_item_id: null });
    await settle();
    expect(h.session.transcript.get('u1')).toBeDefined();
    expect(outputs(h.rt)).toEqual([]);
    release();
    await settle();
    expect(outputs(h.rt)).toEqual([
      {
        callId: 'call_get_knowledge',
        output: {
          ok: true,
          mode: 'hybrid',
          results: [{ chunk_id: 'c9', title: 'Shipping', text: 'shipping time: 2 days', score: 0.9 }],
        },
      },
    ]);
    expect(h.rt.sentOfType('response.create')).toHaveLength(1);
    const toolMsg = h.session.transcript.messages().find((m) => m.role === 'tool')!;
    expect(toolMsg).toMatchObject({ toolName: 'get_knowledge', toolArguments: { query: 'shipping time' } });
  });

  it.each([
    ['not JSON', 'get_knowledge', '{"query": "ship', /not valid JSON/],
    ['off schema', 'get_knowledge', '{"query": 42}', /Invalid arguments: query must be string/],
    ['missing field', 'get_knowledge', '{}', /query is required/],
    ['unknown tool', 'launch_rocket', '{}', /Unknown tool launch_rocket/],
  ])('returns an error output for arguments %s, and the call goes on', async (_case, name, args, message) => {
    const h = await started();
    functionCall(h.rt, 'r1', name, args);
    await settle();
    const [out] = outputs(h.rt);
    expect(out!.output.ok).toBe(false);
    expect(out!.output.error).toMatch(message);
    expect(h.rt.sentOfType('response.create')).toHaveLength(1);
    expect(h.session.isEnded).toBe(false);
  });

  it('returns an error output when the tool throws', async () => {
    const h = await started();
    h.aiServer.searchKnowledge = async () => {
      throw new Error('ai-server answered 502');
    };
    functionCall(h.rt, 'r1', 'get_knowledge', '{"query":"refunds"}');
    await settle();
    expect(outputs(h.rt)[0]!.output).toEqual({
      ok: false,
      error: 'The get_knowledge tool failed: ai-server answered 502',
    });
  });

  it('returns an error output when the tool outlasts its timeout', async () => {
    const h = await started();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    h.aiServer.searchKnowledge = () => new Promise(() => {});
    functionCall(h.rt, 'r1', 'get_knowledge', '{"query":"refunds"}');
    await settle();
    await vi.advanceTimersByTimeAsync(8_000);
    await settle();
    expect(outputs(h.rt)[0]!.output).toEqual({
      ok: false,
      error: 'The get_knowledge tool did not answer within 8 s.',
    });
  });

  it('waits for an active response before asking for the next one', async () => {
    const h = await started();
    functionCall(h.rt, 'r1', 'create_callback_ticket', '{"reason":"refund question"}');
    // The server started a response of its own meanwhile.
    responseStart(h.rt, 'r_vad', 'item_v');
    await settle();
    expect(outputs(h.rt)).toHaveLength(1);
    expect(h.rt.sentOfType('response.create')).toHaveLength(0);
    responseDone(h.rt, 'r_vad');
    await settle();
    expect(h.rt.sentOfType('response.create')).toHaveLength(1);
  });

  it('answers every call of a response before one response.create', async () => {
    const h = await started();
    h.rt.emit({
      type: 'response.created',
      event_id: 'e',
      response: { id: 'r1', object: 'realtime.response', status: 'in_progress', output: [] },
    });
    for (const id of ['a', 'b'])
      h.rt.emit({
        type: 'response.output_item.done',
        event_id: 'e',
        response_id: 'r1',
        output_index: 0,
        item: {
          id: `it_${id}`,
          type: 'function_call',
          call_id: `call_${id}`,
          name: 'get_knowledge',
          arguments: `{"query":"q ${id}"}`,
        },
      });
    responseDone(h.rt, 'r1');
    await settle();
    expect(
      outputs(h.rt)
        .map((o) => o.callId)
        .sort(),
    ).toEqual(['call_a', 'call_b']);
    expect(h.rt.sentOfType('response.create')).toHaveLength(1);
  });
});

describe('the thinking sound', () => {
  it('is a quiet echo-pop the project synthesizes', () => {
    const pcm = synthesizeEchoPop();
    expect(pcm.length).toBe((THINKING_SOUND_MS * 8000) / 1000);
    const peak = pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(peak).toBeGreaterThan(2000);
    expect(peak).toBeLessThan(8000);
    const bytes = thinkingSoundChunks().reduce((n, c) => n + Buffer.from(c, 'base64').length, 0);
    expect(bytes).toBe(THINKING_SOUND_MS * 8);
  });

  async function slowTool(ms: number) {
    const h = await started();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    h.aiServer.searchKnowledge = () =>
      new Promise((resolve) => setTimeout(() => resolve({ mode: 'hybrid', results: [] }), ms));
    functionCall(h.rt, 'r1', 'get_knowledge', '{"query":"order 42"}');
    await settle();
    const sounds = () => h.transport.frames('media').length / thinkingSoundChunks().length;
    return { ...h, sounds };
  }

  it('does not play for a tool that answers within 500 ms', async () => {
    const h = await slowTool(300);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(h.sounds()).toBe(0);
  });

  it('plays once for a 2 s tool and three times for a 7 s tool', async () => {
    const two = await slowTool(2_000);
    await vi.advanceTimersByTimeAsync(499);
    expect(two.sounds()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(two.sounds()).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(two.sounds()).toBe(1);
    vi.useRealTimers();
    const seven = await slowTool(7_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(seven.sounds()).toBe(3);
  });

  it('stops at once on the result, clearing what Twilio still buffers of it', async () => {
    const h = await slowTool(700);
    await vi.advanceTimersByTimeAsync(600);
    expect(h.sounds()).toBe(1);
    expect(h.transport.frames('clear')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    await settle();
    expect(h.transport.frames('clear')).toHaveLength(1);
    expect(h.session.playback.hasPendingAudio).toBe(false);
  });

  it('waits for agent audio to finish before playing, and never clears the agent', async () => {
    const h = await started();
    responseStart(h.rt, 'r0', 'item_say');
    delta(h.rt, 'r0', 'item_say', 200); // one media frame (a longer delta goes out in pieces)
    await settle();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    h.aiServer.searchKnowledge = () =>
      new Promise((r) => setTimeout(() => r({ mode: 'hybrid', results: [] }), 1_500));
    functionCall(h.rt, 'r1', 'get_knowledge', '{"query":"returns"}');
    await settle();
    await vi.advanceTimersByTimeAsync(800);
    expect(h.transport.frames('media')).toHaveLength(1); // only the agent's audio
    h.transport.echoAllMarks();
    await settle();
    await vi.advanceTimersByTimeAsync(100);
    expect(h.transport.frames('media').length).toBe(1 + thinkingSoundChunks().length);
  });

  it('stops at once on barge-in and is not sent again after the clear', async () => {
    const h = await slowTool(7_000);
    await vi.advanceTimersByTimeAsync(600);
    expect(h.sounds()).toBe(1);
    h.rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 1, item_id: 'u1' });
    await settle();
    expect(h.transport.frames('clear')).toHaveLength(1);
    expect(h.rt.sentOfType('conversation.item.truncate')).toHaveLength(0);
    const mediaAtClear = h.transport.frames('media').length;
    await vi.advanceTimersByTimeAsync(7_000);
    expect(h.transport.frames('media').length).toBe(mediaAtClear);
  });

  it('stops on hang-up and leaves no timer behind', async () => {
    const h = await slowTool(7_000);
    await vi.advanceTimersByTimeAsync(600);
    h.transport.stop();
    await h.done;
    expect(h.session.liveTimers).toBe(0);
    const media = h.transport.frames('media').length;
    await vi.advanceTimersByTimeAsync(7_000);
    expect(h.transport.frames('media').length).toBe(media);
  });
});

describe('transfer, callbacks and end of call', () => {
  /** The agent's reply (transition line or goodbye) is spoken, played and confirmed by Twilio. */
  async function replyPlayed(h: Awaited<ReturnType<typeof started>>, resp: string) {
    await settle();
    responseStart(h.rt, resp, `item_${resp}`);
    delta(h.rt, resp, `item_${resp}`, 200);
    responseDone(h.rt, resp);
    await settle();
  }

  it('transfers a PSTN call with the caller ID of the caller, after the transition line has played', async () => {
    const h = await started({
      profile: { transferTarget: '+18005550199', outboundCallerId: '+18005550100' },
    });
    functionCall(h.rt, 'r0', 'get_knowledge', '{"query":"warranty"}', 'call_k');
    await settle();
    functionCall(
      h.rt,
      'r1',
      'transfer_to_human',
      '{"reason":"wants a person","summary":"Asked about warranty."}',
    );
    await replyPlayed(h, 'r2');
    expect(h.twilioRest.updates).toHaveLength(0); // the line has not been heard yet
    h.transport.echoAllMarks();
    await settle();
    expect(h.twilioRest.updates).toHaveLength(1);
    expect(h.twilioRest.updates[0]!.twiml).toContain(
      '<Dial callerId="+14155550123"><Number>+18005550199</Number></Dial>',
    );
    const ticket = h.appServer.conversations.get(h.session.call.callSid)!.handoffs[0]!;
    expect(ticket).toMatchObject({ knowledgeChunkIds: ['chunk_1'], transferTarget: '+18005550199' });
    expect(ticket.summary).toContain('Asked about warranty.');
    h.transport.stop(); // Twilio ends the stream when the call's TwiML is replaced
    expect(await h.done).toBe('transferred');
  });

  it('transfers a SIP call with the profile outbound caller ID', async () => {
    const h = await started({
      profile: { transferTarget: 'sip:desk@pbx.example.com', outboundCallerId: '+18005550100' },
    });
    (h.session.call as { isSip: boolean }).isSip = true;
    functionCall(h.rt, 'r1', 'transfer_to_human', '{"reason":"r","summary":"s"}');
    await replyPlayed(h, 'r2');
    h.transport.echoAllMarks();
    await settle();
    expect(h.twilioRest.updates[0]!.twiml).toContain(
      '<Dial callerId="+18005550100"><Sip>sip:desk@pbx.example.com</Sip></Dial>',
    );
  });

  it('tells the caller when the redirect fails and offers a callback', async () => {
    const h = await started({ profile: { transferTarget: '+18005550199' } });
    h.twilioRest.updateCallTwiml = async () => {
      throw new Error('Twilio 503');
    };
    functionCall(h.rt, 'r1', 'transfer_to_human', '{"reason":"r","summary":"s"}');
    await replyPlayed(h, 'r2');
    h.transport.echoAllMarks();
    await settle();
    const notes = h.rt.sentOfType('conversation.item.create').filter((e) => e.item.type === 'message');
    expect(JSON.stringify(notes.at(-1))).toMatch(
      /transfer_to_human action failed.*offer to arrange a callback/,
    );
    expect(h.rt.sentOfType('response.create').length).toBeGreaterThanOrEqual(2);
    expect(h.session.isEnded).toBe(false);
  });

  it('without a transfer target, tells the model to offer a callback', async () => {
    const h = await started();
    functionCall(h.rt, 'r1', 'transfer_to_human', '{"reason":"r","summary":"s"}');
    await settle();
    expect(outputs(h.rt)[0]!.output.error).toMatch(/Offer the caller a callback/);
  });

  it('books a callback for the caller number', async () => {
    const h = await started();
    functionCall(
      h.rt,
      'r1',
      'create_callback_ticket',
      '{"reason":"refund","timezone":"America/New_York","window_start":"2026-11-23T15:00:00Z"}',
    );
    await settle();
    const cb = h.appServer.conversations.get(h.session.call.callSid)!.callbacks[0]!;
    expect(cb).toMatchObject({
      phone: '+14155550123',
      reason: 'refund',
      timezone: 'America/New_York',
      windowStart: '2026-11-23T15:00:00Z',
    });
    expect(outputs(h.rt)[0]!.output).toMatchObject({ ok: true, status: 'scheduled' });
  });

  it('end_call hangs up once the goodbye has played', async () => {
    const h = await started();
    functionCall(h.rt, 'r1', 'end_call', '{"reason":"done"}');
    await replyPlayed(h, 'r2');
    expect(h.twilioRest.hangups).toHaveLength(0);
    h.transport.echoAllMarks();
    expect(await h.done).toBe('agent_hangup');
    expect(h.twilioRest.hangups).toEqual([h.session.call.callSid]);
    expect(h.transport.isOpen).toBe(false);
  });

  it("end_call is recorded as the agent's hang-up even when Twilio's stop arrives before the REST reply", async () => {
    const h = await started();
    h.twilioRest.hangup = async (callSid) => {
      h.twilioRest.hangups.push(callSid);
      h.transport.stop(); // Twilio ends the stream first...
      await settle(); // ...and answers the REST request afterwards.
    };
    functionCall(h.rt, 'r1', 'end_call', '{}');
    await replyPlayed(h, 'r2');
    h.transport.echoAllMarks();
    expect(await h.done).toBe('agent_hangup');
  });

  it('a caller who interrupts the goodbye keeps the call', async () => {
    const h = await started();
    functionCall(h.rt, 'r1', 'end_call', '{}');
    await replyPlayed(h, 'r2');
    h.rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 1, item_id: 'u9' });
    await settle();
    h.transport.echoAllMarks();
    await settle();
    expect(h.twilioRest.hangups).toHaveLength(0);
    expect(h.session.isEnded).toBe(false);
  });
});

describe('dynamic tools', () => {
  it("keep ai-server's per-tool time budget (plus a margin) out of the schema sent to the model", async () => {
    const toolset = new Toolset([]);
    toolset.addDynamic(
      [
        {
          type: 'function',
          name: 'slow_lookup',
          description: 'd',
          parameters: { type: 'object' },
          timeoutMs: 12_000,
        },
      ],
      createLogger({ name: 't', level: 'silent' }),
    );
    expect(toolset.get('slow_lookup')!.timeoutMs).toBe(14_000);
    expect(toolset.schemas()).toEqual([
      { type: 'function', name: 'slow_lookup', description: 'd', parameters: { type: 'object' } },
    ]);
  });

  it('merges the brand tools, refuses a name that collides with a built-in, and forwards calls', async () => {
    const h = harness({
      tools: [
        {
          type: 'function',
          name: 'check_order',
          description: 'Order status',
          parameters: {
            type: 'object',
            properties: { order_id: { type: 'string' } },
            required: ['order_id'],
          },
        },
        {
          type: 'function',
          name: 'end_call',
          description: 'shadowing a built-in',
          parameters: { type: 'object' },
        },
      ],
    });
    const rt = await h.rt();
    const names = advertised(rt);
    expect(names).toEqual([
      'get_knowledge',
      'transfer_to_human',
      'create_callback_ticket',
      'end_call',
      'switch_language',
      'check_order',
    ]);
    expect(h.lines.join('')).toMatch(
      /dynamic tool refused: its name collides.*"tool":"end_call"|"tool":"end_call".*dynamic tool refused: its name collides/,
    );
    functionCall(rt, 'r1', 'check_order', '{"order_id":"A-17"}');
    await settle();
    expect(outputs(rt)[0]!.output).toEqual({
      ok: true,
      result: { echoed: 'check_order', arguments: { order_id: 'A-17' } },
    });
  });
});

describe('the transfer caller ID', () => {
  const profile = { key: 'p', outboundCallerId: '+18005550100' };
  const call = (callerNumber: string, isSip = false) => ({ ...CALL, callerNumber, isSip });
  it("shows a PSTN caller's own number, and the profile's number for SIP, withheld or unusable callers", () => {
    expect(transferCallerId({ call: call('+14155550123'), profile })).toBe('+14155550123');
    expect(transferCallerId({ call: call('sip:alice@acme.example', true), profile })).toBe('+18005550100');
    expect(transferCallerId({ call: call('+266696687'), profile })).toBe('+18005550100');
    expect(transferCallerId({ call: call('anonymous'), profile })).toBe('+18005550100');
    expect(transferCallerId({ call: call(''), profile })).toBe('+18005550100');
  });

  it('has none for a SIP or withheld caller when the profile has no outbound number (the tool offers a callback)', () => {
    expect(
      transferCallerId({ call: call('sip:alice@acme.example', true), profile: { key: 'p' } }),
    ).toBeUndefined();
    expect(
      transferCallerId({ call: call('+266696687'), profile: { key: 'p', outboundCallerId: null } }),
    ).toBeUndefined();
  });
});
