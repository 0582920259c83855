import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { QueuedAppServer } from '../resilience/queued-app-server.ts';
import { delta, harness, responseDone, responseStart, settle, until } from '../testing/session-harness.ts';
import { fillerChunks } from './filler.ts';
import { FINISH_ANSWER_MAX_MS } from './session-manager.ts';

afterEach(() => {
  vi.useRealTimers();
});

function transcriptDone(
  rt: Awaited<ReturnType<ReturnType<typeof harness>['rt']>>,
  resp: string,
  item: string,
  text: string,
) {
  rt.emit({
    type: 'response.output_audio_transcript.done',
    event_id: 'e',
    response_id: resp,
    item_id: item,
    output_index: 0,
    content_index: 0,
    transcript: text,
  });
}

describe('caller audio while no session is ready', () => {
  const frame = (i: number) => Buffer.alloc(160, i & 0x7f).toString('base64');

  it('holds what the caller said before the session opened and appends it right after session.update', async () => {
    const h = harness();
    // These arrive while credits, profile and prompt are still being fetched.
    for (let i = 0; i < 10; i++) h.transport.media(frame(i), i * 20);
    const rt = await h.rt();
    const sent = rt.sent.map((e) => e.type);
    expect(sent.slice(0, 11)).toEqual(['session.update', ...Array(10).fill('input_audio_buffer.append')]);
    const appended = rt.sentOfType('input_audio_buffer.append').map((e) => e.audio);
    expect(appended).toEqual(Array.from({ length: 10 }, (_, i) => frame(i)));
    // Live audio goes on after it, with no silence filled in between.
    h.transport.media(frame(10), 200);
    await settle();
    expect(
      rt
        .sentOfType('input_audio_buffer.append')
        .map((e) => e.audio)
        .slice(10),
    ).toEqual([frame(10)]);
    expect(h.metrics.framesBeforeSession).toBe(0);
    expect(h.metrics.silenceFilledMs).toBe(0);
  });

  it('keeps only the latest 1.5 s and counts what it let go', async () => {
    const h = harness();
    for (let i = 0; i < 100; i++) h.transport.media(frame(i), i * 20);
    const rt = await h.rt();
    const appended = rt.sentOfType('input_audio_buffer.append').map((e) => e.audio);
    expect(appended).toEqual(Array.from({ length: 75 }, (_, i) => frame(i + 25)));
    expect(h.metrics.framesBeforeSession).toBe(25);
  });

  it('holds what the caller says while a dropped session is reopened, after the replayed history', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e', session: {} });
    h.transport.media(frame(1), 0);
    await settle();
    // The first attempt to reopen fails, so the caller's next words arrive with no session at all.
    h.connector.options.fail = new Error('connect ECONNREFUSED');
    rt.drop(1011, 'server error');
    await until(() => h.connector.attempts === 2, 'first reopen attempt');
    h.transport.media(frame(2), 20);
    h.transport.media(frame(3), 40);
    await settle();
    expect(h.connector.connections).toHaveLength(1);
    delete h.connector.options.fail;
    await until(() => h.connector.connections.length === 2, 'second connection');
    const next = h.connector.connections[1]!;
    await until(() => next.sentOfType('input_audio_buffer.append').length === 2, 'held audio');
    const types = next.sent.map((e) => e.type);
    expect(types.indexOf('input_audio_buffer.append')).toBeGreaterThan(types.indexOf('session.update'));
    expect(next.sentOfType('input_audio_buffer.append').map((e) => e.audio)).toEqual([frame(2), frame(3)]);
    expect(h.session.isEnded).toBe(false);
  });
});

describe('Realtime reconnect', () => {
  it('plays a filler, resumes with the same session.update and the conversation so far, and goes on', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e', session: {} });
    responseStart(rt, 'r1', 'a1');
    transcriptDone(rt, 'r1', 'a1', 'Hi, how can I help?');
    responseDone(rt, 'r1');
    rt.emit({ type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u1', previous_item_id: 'a1' });
    rt.emit({
      type: 'conversation.item.input_audio_transcription.completed',
      event_id: 'e',
      item_id: 'u1',
      content_index: 0,
      transcript: 'My order 1234 never arrived.',
    });
    responseStart(rt, 'r2', 'a2');
    delta(rt, 'r2', 'a2', 100);
    await settle();
    rt.drop(1011, 'server error'); // mid-response
    await until(() => h.connector.connections.length === 2, 'second connection');
    const next = h.connector.connections[1]!;
    await settle();
    // Same configuration, then the history as text, then a response to pick up the thread.
    expect(next.sentOfType('session.update')[0]).toEqual(rt.sentOfType('session.update')[0]);
    const replay = next.sentOfType('conversation.item.create').map((e) => e.item);
    expect(replay).toEqual([
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi, how can I help?' }] },
      {
        type: 'message',
        role: 'user',
        content: [{ type: 'input_text', text: 'My order 1234 never arrived.' }],
      },
    ]);
    expect(next.sentOfType('response.create')).toHaveLength(1);
    // The caller heard "one moment" while it reconnected: its first pieces (the rest is not sent once
    // the session is back).
    const media = h.transport.frames('media').map((f) => f.payload);
    const from = media.indexOf(fillerChunks()[0]!);
    expect(from).toBeGreaterThan(0);
    expect(media.slice(from)).toEqual(fillerChunks().slice(0, media.length - from));
    expect(media.length - from).toBeGreaterThanOrEqual(2);
    // Audio flows to the new session.
    h.transport.media(Buffer.alloc(160, 0xff).toString('base64'), 0);
    await settle();
    expect(next.sentOfType('input_audio_buffer.append')).toHaveLength(1);
    expect(h.session.reconnects).toBe(1);
    expect(h.metrics.realtimeDrops).toBe(1);
    expect(h.metrics.realtimeReconnects.get('resumed')).toBe(1);
    expect(h.session.isEnded).toBe(false);
  });

  it('resumes after session_expired followed by close 1001', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({
      type: 'error',
      event_id: 'e',
      error: {
        type: 'invalid_request_error',
        code: 'session_expired',
        message: 'Your session hit the maximum duration of 60 minutes.',
      },
    });
    rt.drop(1001, 'session expired');
    await until(() => h.connector.connections.length === 2, 'second connection');
    expect(h.session.isEnded).toBe(false);
  });

  it('sends a tool result that outlived the old session to the new one as a note', async () => {
    const h = harness();
    const rt = await h.rt();
    let release!: () => void;
    h.aiServer.searchKnowledge = async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return { mode: 'hybrid', results: [] };
    };
    rt.emit({
      type: 'response.created',
      event_id: 'e',
      response: { id: 'r1', object: 'realtime.response', status: 'in_progress', output: [] },
    });
    rt.emit({
      type: 'response.output_item.done',
      event_id: 'e',
      response_id: 'r1',
      output_index: 0,
      item: {
        id: 'f1',
        type: 'function_call',
        call_id: 'c1',
        name: 'get_knowledge',
        arguments: '{"query":"late order"}',
      },
    });
    await settle();
    rt.drop(1006);
    await until(() => h.connector.connections.length === 2, 'second connection');
    release();
    await settle();
    const next = h.connector.connections[1]!;
    const items = next.sentOfType('conversation.item.create').map((e) => e.item);
    expect(items.some((i) => i.type === 'function_call_output')).toBe(false);
    expect(JSON.stringify(items.at(-1))).toContain('before the line dropped returned');
  });

  it('after three failed attempts, transfers when the profile has a target', async () => {
    const h = harness({ profile: { transferTarget: '+18005550199' } });
    const rt = await h.rt();
    h.connector.options.fail = new Error('ECONNREFUSED');
    rt.drop(1006);
    expect(await h.done).toBe('transferred');
    expect(h.connector.attempts).toBe(4);
    expect(h.twilioRest.updates[0]!.twiml).toMatch(
      /<Say language="en-US">Sorry.*<\/Say><Dial callerId="\+14155550123"><Number>\+18005550199<\/Number><\/Dial>/,
    );
    expect(h.appServer.conversations.get(h.session.call.callSid)!.handoffs).toHaveLength(1);
  });

  it('after three failed attempts without a target, books a callback and says goodbye', async () => {
    const h = harness();
    const rt = await h.rt();
    h.connector.options.fail = new Error('ECONNREFUSED');
    rt.drop(1006);
    expect(await h.done).toBe('realtime_unavailable');
    expect(h.twilioRest.updates[0]!.twiml).toMatch(/call you back.*<Hangup\/>/);
    expect(h.appServer.conversations.get(h.session.call.callSid)!.callbacks[0]).toMatchObject({
      phone: '+14155550123',
      priority: 'high',
    });
  });

  it('a caller who hangs up during the reconnect back-off ends the call: run() settles, the call is reported', async () => {
    const h = harness({ limits: { reconnect: { baseDelayMs: 120_000 } } });
    const rt = await h.rt();
    h.connector.options.fail = new Error('ECONNREFUSED');
    rt.drop(1006);
    // The first attempt fails at once; the second waits out its back-off.
    await until(() => h.connector.attempts === 2, 'first reconnect attempt');
    await settle();
    h.transport.stop();
    const settled = await Promise.race([
      h.done,
      new Promise<'pending'>((r) => setTimeout(() => r('pending'), 1_000)),
    ]);
    expect(settled).toBe('caller_hangup');
    expect(h.connector.attempts).toBe(2);
    expect(h.metrics.activeCalls).toBe(0);
    expect(h.session.liveTimers).toBe(0);
    await until(() => h.aiServer.debits.length === 1, 'debit');
  });

  it('renews the Realtime session at a quiet moment before its cap', async () => {
    const h = harness({ limits: { renewRealtimeAfterMs: 50 } });
    const rt = await h.rt();
    responseStart(rt, 'r1', 'a1');
    await settle();
    await new Promise((r) => setTimeout(r, 80));
    expect(h.connector.connections).toHaveLength(1); // a response is under way: not quiet
    responseDone(rt, 'r1');
    await until(() => h.connector.connections.length === 2, 'renewed connection');
    await until(() => rt.closedNow, 'old socket closed');
    expect(h.transport.frames('media')).toHaveLength(0); // no filler for a planned renewal
    h.transport.media(Buffer.alloc(160, 0xff).toString('base64'), 0);
    await settle();
    expect(h.connector.connections[1]!.sentOfType('input_audio_buffer.append')).toHaveLength(1);
    expect(h.session.isEnded).toBe(false);
  });
});

describe('inactivity watchdog', () => {
  it('asks after 30 s of silence, says goodbye after 30 s more, then ends the call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness();
    const rt = await h.rt();
    await vi.advanceTimersByTimeAsync(30_000);
    await settle();
    const creates = () => rt.sentOfType('response.create').map((e) => JSON.stringify(e));
    expect(creates()).toHaveLength(1);
    expect(creates()[0]).toContain('Are you still there?');
    responseStart(rt, 'r1', 'a1');
    delta(rt, 'r1', 'a1', 100);
    responseDone(rt, 'r1');
    await settle();
    h.transport.echoAllMarks();
    await settle();
    await vi.advanceTimersByTimeAsync(30_000);
    await settle();
    expect(creates()).toHaveLength(2);
    expect(creates()[1]).toContain('Goodbye');
    responseStart(rt, 'r2', 'a2');
    delta(rt, 'r2', 'a2', 100);
    responseDone(rt, 'r2');
    await settle();
    h.transport.echoAllMarks();
    vi.useRealTimers();
    expect(await h.done).toBe('inactivity');
    expect(h.twilioRest.hangups).toHaveLength(1);
  });

  it('caller speech resets it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness();
    const rt = await h.rt();
    await vi.advanceTimersByTimeAsync(25_000);
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 1, item_id: 'u1' });
    rt.emit({ type: 'input_audio_buffer.speech_stopped', event_id: 'e', audio_end_ms: 2, item_id: 'u1' });
    await settle();
    await vi.advanceTimersByTimeAsync(25_000);
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(1);
  });

  it('uses the profile intervals and language', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({
      profile: { language: 'es-MX', inactivity: { promptAfterSec: 10, endAfterSec: 20 } },
    });
    const rt = await h.rt();
    await vi.advanceTimersByTimeAsync(9_900);
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    await settle();
    expect(JSON.stringify(rt.sentOfType('response.create')[0])).toContain('¿Sigue ahí?');
  });
});

describe('maximum duration', () => {
  it('tells the model to wrap up before the cap, then says goodbye once the answer in flight is done', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({ profile: { maxDurationSec: 120 } });
    const rt = await h.rt();
    // Keep the watchdog quiet: the caller keeps talking.
    for (let t = 0; t < 60; t += 20) {
      rt.emit({
        type: 'input_audio_buffer.speech_started',
        event_id: 'e',
        audio_start_ms: 1,
        item_id: `u${t}`,
      });
      rt.emit({
        type: 'input_audio_buffer.speech_stopped',
        event_id: 'e',
        audio_end_ms: 2,
        item_id: `u${t}`,
      });
      await settle();
      await vi.advanceTimersByTimeAsync(20_000);
    }
    await settle();
    const notes = rt.sentOfType('conversation.item.create').map((e) => JSON.stringify(e));
    expect(notes.some((n) => n.includes('about to reach its time limit'))).toBe(true);
    // At the cap a response is mid-sentence: it is not cut; the goodbye follows it.
    responseStart(rt, 'r1', 'a1');
    delta(rt, 'r1', 'a1', 100);
    await settle();
    await vi.advanceTimersByTimeAsync(60_000);
    await settle();
    expect(rt.sentOfType('response.cancel')).toHaveLength(0);
    expect(h.transport.frames('clear')).toHaveLength(0);
    expect(rt.sentOfType('response.create')).toHaveLength(0);
    responseDone(rt, 'r1');
    await settle();
    const creates = rt.sentOfType('response.create').map((e) => JSON.stringify(e));
    expect(creates.at(-1)).toContain('time limit');
    // The goodbye never comes back: the call still ends after the grace period.
    await vi.advanceTimersByTimeAsync(h.session.limits.goodbyeGraceMs + FINISH_ANSWER_MAX_MS);
    vi.useRealTimers();
    expect(await h.done).toBe('max_duration');
  });

  /**
   * Keeps the watchdog out of the way: the caller says something every 20 s, on whichever Realtime
   * session is current (long calls are renewed every 55 minutes).
   */
  async function talkFor(h: ReturnType<typeof harness>, ms: number) {
    for (let t = 0; t < ms; t += 20_000) {
      const rt = h.connector.connections.at(-1)!;
      rt.emit({
        type: 'input_audio_buffer.speech_started',
        event_id: 'e',
        audio_start_ms: 1,
        item_id: `u${t}`,
      });
      rt.emit({
        type: 'input_audio_buffer.speech_stopped',
        event_id: 'e',
        audio_end_ms: 2,
        item_id: `u${t}`,
      });
      await settle();
      await vi.advanceTimersByTimeAsync(Math.min(20_000, ms - t));
    }
  }

  it('without a maximum in the profile, the call ends at 30 minutes, for its duration', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness();
    await h.rt();
    await talkFor(h, 30 * 60_000 - 1_000);
    expect(h.session.isEnded).toBe(false);
    await talkFor(h, 1_000 + h.session.limits.goodbyeGraceMs);
    vi.useRealTimers();
    expect(await h.done).toBe('max_duration');
  });

  it('a profile may raise the cap to four hours, not beyond', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const h = harness({ profile: { maxDurationSec: 10 * 3600 } });
    await h.rt();
    await talkFor(h, 4 * 3_600_000 - 60_000);
    expect(h.session.isEnded).toBe(false);
    await talkFor(h, 60_000 + h.session.limits.goodbyeGraceMs);
    vi.useRealTimers();
    expect(await h.done).toBe('max_duration');
    // The Realtime API caps a session at 60 minutes: the call was carried on four renewed sessions.
    expect(h.connector.connections.length).toBe(5);
  }, 60_000);
});

describe('credits', () => {
  it('bills the call’s duration in whole seconds, rounded up, once it ends', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const h = harness();
    await h.rt();
    vi.advanceTimersByTime(42_300);
    h.transport.stop();
    await h.done;
    vi.useRealTimers();
    await until(() => h.aiServer.debits.length === 1, 'debit');
    expect(h.aiServer.debits[0]).toEqual({
      key: 'acme-support',
      callSid: h.session.call.callSid,
      durationSec: 43,
    });
  });

  it('debits through the outbox: retried while ai-server is unreachable, once, and a drain flush waits for it', async () => {
    const outbox = new QueuedAppServer(new InMemoryAppServer(), { retryBaseMs: 20, retryMaxMs: 40 });
    const h = harness({ appServer: outbox });
    h.aiServer.debitFailures = 3;
    await h.rt();
    h.transport.stop();
    await h.done;
    expect(await outbox.flush(5_000)).toBe(true);
    expect(h.aiServer.debitAttempts).toBe(4);
    expect(h.aiServer.debits).toEqual([expect.objectContaining({ callSid: h.session.call.callSid })]);
    outbox.close();
  });

  it('does not debit a call that never reached the model', async () => {
    const h = harness({ credits: false });
    await h.done;
    await settle();
    expect(h.aiServer.debits).toHaveLength(0);
  });
});
