// Issue 11, item 5: responses that end in `status: "failed"` (response.done with
// `status_details: { type: "failed", error: {...} }`, OpenAI Realtime API reference, server event
// response.done and the Response object's `status_details`). The product asks once more, then has the
// model apologise, and records each failure on the conversation; a model that fails every response
// does not loop: after three failures in a row the call takes the drop fallback.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import { harness, ids, responseCreated, settle, until } from '../testing/session-harness.ts';
import { AFTER_FAILED_RESPONSE } from './lines.ts';

function failed(rt: ScriptedRealtimeConnection, responseId: string): void {
  rt.emit({
    type: 'response.done',
    event_id: ids.next('ev'),
    response: {
      id: responseId,
      object: 'realtime.response',
      status: 'failed',
      status_details: {
        type: 'failed',
        error: { type: 'server_error', code: 'server_error', message: 'The server had an error.' },
      },
      output: [],
    } as never,
  });
}

/** The scripted model fails every response it is asked for (at most 20, so a loop shows as a count). */
function failEveryResponse(rt: ScriptedRealtimeConnection): void {
  let n = 0;
  rt.onSend((e) => {
    if (e.type !== 'response.create' || n >= 20) return;
    const id = `r_fail_${++n}`;
    setImmediate(() => {
      responseCreated(rt, id);
      failed(rt, id);
    });
  });
}

const notes = (h: ReturnType<typeof harness>) =>
  h.appServer
    .transcript(h.session.call.callSid)
    .filter((m) => m.role === 'system')
    .map((m) => m.text);

describe('failed responses', () => {
  it('the first failure is asked again; the second makes the model apologise; both are on the conversation', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await settle();
    responseCreated(rt, 'r1');
    failed(rt, 'r1');
    await settle();
    const creates = () => rt.sentOfType('response.create');
    expect(creates()).toHaveLength(2);
    expect(creates()[1]!.response?.instructions).toContain('Greet the caller now');
    responseCreated(rt, 'r2');
    failed(rt, 'r2');
    await settle();
    expect(creates()).toHaveLength(3);
    expect(creates()[2]!.response?.instructions).toContain(AFTER_FAILED_RESPONSE);
    responseCreated(rt, 'r3');
    rt.emit({
      type: 'response.done',
      event_id: 'e3',
      response: { id: 'r3', object: 'realtime.response', status: 'completed', output: [] },
    });
    await settle();
    expect(creates()).toHaveLength(3);
    h.transport.stop();
    await h.done;
    expect(notes(h)).toEqual([
      'The model failed to answer (server_error); asked again.',
      'The model failed to answer again (server_error).',
    ]);
  });

  it('a model that fails every response: three creates, then the fallback (a callback and a goodbye)', async () => {
    const h = harness();
    const rt = await h.rt();
    failEveryResponse(rt);
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await until(() => h.session.isEnded || rt.sentOfType('response.create').length >= 20, 'an end or a loop');
    expect(rt.sentOfType('response.create')).toHaveLength(3); // the greeting, its retry, the apology
    expect(await h.done).toBe('realtime_unavailable');
    expect(h.connector.attempts).toBe(1);
    expect(h.appServer.conversations.get(h.session.call.callSid)!.callbacks).toHaveLength(1);
    expect(h.twilioRest.updates.at(-1)!.twiml).toMatch(/call you back.*<Hangup\/>/);
    const said = notes(h);
    expect(said).toHaveLength(3);
    expect(said.at(-1)).toContain('failed to answer 3 times in a row');
  });

  it('with a transfer target, a model that fails every response hands the caller to a person', async () => {
    const h = harness({ profile: { transferTarget: '+18005550199' } });
    const rt = await h.rt();
    failEveryResponse(rt);
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await until(() => h.session.isEnded || rt.sentOfType('response.create').length >= 20, 'an end or a loop');
    expect(rt.sentOfType('response.create')).toHaveLength(3);
    expect(await h.done).toBe('transferred');
    expect(h.twilioRest.updates.at(-1)!.twiml).toContain('<Number>+18005550199</Number>');
    const handoffs = h.appServer.conversations.get(h.session.call.callSid)!.handoffs;
    expect(handoffs.map((t) => t.summary)).toEqual([expect.stringContaining('response_failed_repeatedly')]);
  });

  it('failures that are not in a row never add up: a completed response starts the count again', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
    await settle();
    for (let round = 0; round < 4; round++) {
      const a = `r_${round}_a`;
      const b = `r_${round}_b`;
      responseCreated(rt, a);
      failed(rt, a);
      await settle();
      responseCreated(rt, b);
      rt.emit({
        type: 'response.done',
        event_id: ids.next('ev'),
        response: { id: b, object: 'realtime.response', status: 'completed', output: [] },
      });
      await settle();
      h.session.requestResponse();
      await settle();
    }
    expect(h.session.isEnded).toBe(false);
    h.transport.stop();
    await h.done;
  });
});
