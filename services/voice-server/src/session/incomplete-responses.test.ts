// Issue 11, item 5: responses that end `incomplete` (response.done with `status: "incomplete"` and
// `status_details: { type: "incomplete", reason: "max_output_tokens" | "content_filter" }`, OpenAI
// Realtime API reference, the Response object's `status_details.reason`). Each is recorded on the
// conversation; after a content-filter cut the caller is not left in silence (the model apologises,
// with the brand's prompt in force); after max_output_tokens the partial answer stands.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { describe, expect, it } from 'vitest';
import { delta, harness, ids, responseStart, settle } from '../testing/session-harness.ts';
import { AFTER_CONTENT_FILTER } from './lines.ts';

function incomplete(
  rt: ScriptedRealtimeConnection,
  responseId: string,
  reason: 'max_output_tokens' | 'content_filter',
): void {
  rt.emit({
    type: 'response.done',
    event_id: ids.next('ev'),
    response: {
      id: responseId,
      object: 'realtime.response',
      status: 'incomplete',
      status_details: { type: 'incomplete', reason },
      output: [],
    } as never,
  });
}

function completed(rt: ScriptedRealtimeConnection, responseId: string): void {
  rt.emit({
    type: 'response.done',
    event_id: ids.next('ev'),
    response: { id: responseId, object: 'realtime.response', status: 'completed', output: [] },
  });
}

const notes = (h: ReturnType<typeof harness>) =>
  h.appServer
    .transcript(h.session.call.callSid)
    .filter((m) => m.role === 'system')
    .map((m) => m.text);

/** A call past its greeting, with the brand's prompt as the session's instructions. */
async function inCall() {
  const h = harness({ profile: { language: 'en-US' } });
  const rt = await h.rt();
  rt.emit({ type: 'session.updated', event_id: 'e0', session: {} });
  await settle();
  responseStart(rt, 'r_greet', 'a_greet');
  completed(rt, 'r_greet');
  await settle();
  h.session.requestResponse(); // the caller asked something
  await settle();
  responseStart(rt, 'r1', 'a1');
  delta(rt, 'r1', 'a1', 200);
  await settle();
  return { h, rt };
}

describe('incomplete responses', () => {
  it('cut by the content filter: noted, and the model apologises once, with the brand prompt', async () => {
    const { h, rt } = await inCall();
    incomplete(rt, 'r1', 'content_filter');
    await settle();
    const creates = rt.sentOfType('response.create');
    expect(creates).toHaveLength(3);
    const instructions = creates[2]!.response?.instructions ?? '';
    expect(instructions).toContain(AFTER_CONTENT_FILTER);
    expect(instructions).toContain('Speak English (en-US) with the caller');
    // The apology is cut too: it is not asked for again (no loop), the cut is noted.
    responseStart(rt, 'r2', 'a2');
    incomplete(rt, 'r2', 'content_filter');
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(3);
    h.transport.stop();
    await h.done;
    expect(notes(h)).toEqual([
      expect.stringContaining('content filter'),
      expect.stringContaining('content filter'),
    ]);
  });

  it('a content-filter cut after an answer that went through is apologised for again', async () => {
    const { h, rt } = await inCall();
    incomplete(rt, 'r1', 'content_filter');
    await settle();
    responseStart(rt, 'r2', 'a2');
    completed(rt, 'r2');
    await settle();
    h.session.requestResponse();
    await settle();
    responseStart(rt, 'r3', 'a3');
    incomplete(rt, 'r3', 'content_filter');
    await settle();
    const lines = rt
      .sentOfType('response.create')
      .filter((e) => e.response?.instructions?.includes(AFTER_CONTENT_FILTER));
    expect(lines).toHaveLength(2);
    h.transport.stop();
    await h.done;
  });

  it('cut at max_output_tokens: noted, and the partial answer stands (nothing asked again)', async () => {
    const { h, rt } = await inCall();
    incomplete(rt, 'r1', 'max_output_tokens');
    await settle();
    expect(rt.sentOfType('response.create')).toHaveLength(2);
    expect(h.transport.frames('media').length).toBeGreaterThan(0);
    h.transport.stop();
    await h.done;
    expect(notes(h)).toEqual([expect.stringContaining('max_output_tokens')]);
  });
});
