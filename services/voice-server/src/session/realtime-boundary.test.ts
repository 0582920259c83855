// The Realtime event boundary, through a running call: every event type the product acts on, with
// fields missing, null, of the wrong type or extra, and arbitrary text frames. Nothing may throw in
// the model loop; the call goes on (caller audio still appended, model audio still relayed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { audio, delta, harness, responseStart, settle } from '../testing/session-harness.ts';

/** A well-formed example of each server event the product acts on (shapes from the API reference). */
const EXAMPLES: Array<Record<string, unknown> & { type: string }> = [
  { type: 'session.updated', event_id: 'e', session: { type: 'realtime' } },
  { type: 'error', event_id: 'e', error: { type: 'server_error', code: null, message: 'm' } },
  { type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 1, item_id: 'u' },
  { type: 'input_audio_buffer.speech_stopped', event_id: 'e', audio_end_ms: 2, item_id: 'u' },
  { type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u', previous_item_id: null },
  {
    type: 'conversation.item.done',
    event_id: 'e',
    item: { id: 'u', type: 'message', role: 'user', content: [] },
  },
  {
    type: 'conversation.item.input_audio_transcription.completed',
    event_id: 'e',
    item_id: 'u',
    content_index: 0,
    transcript: 't',
  },
  {
    type: 'conversation.item.input_audio_transcription.failed',
    event_id: 'e',
    item_id: 'u',
    content_index: 0,
    error: { message: 'm' },
  },
  {
    type: 'response.created',
    event_id: 'e',
    response: { id: 'r_x', object: 'realtime.response', status: 'in_progress', output: [] },
  },
  {
    type: 'response.done',
    event_id: 'e',
    response: { id: 'r_x', object: 'realtime.response', status: 'completed', output: [] },
  },
  {
    type: 'response.output_item.added',
    event_id: 'e',
    response_id: 'r_x',
    output_index: 0,
    item: { id: 'i_x', type: 'message', role: 'assistant', content: [] },
  },
  {
    type: 'response.output_item.done',
    event_id: 'e',
    response_id: 'r_x',
    output_index: 0,
    item: {
      id: 'f_x',
      type: 'function_call',
      call_id: 'c_x',
      name: 'get_knowledge',
      arguments: '{"query":"hours"}',
    },
  },
  {
    type: 'response.output_audio.delta',
    event_id: 'e',
    response_id: 'r_x',
    item_id: 'i_x',
    output_index: 0,
    content_index: 0,
    delta: 'AAAA',
  },
  {
    type: 'response.output_audio_transcript.done',
    event_id: 'e',
    response_id: 'r_x',
    item_id: 'i_x',
    output_index: 0,
    content_index: 0,
    transcript: 't',
  },
  { type: 'rate_limits.updated', event_id: 'e', rate_limits: [] },
];

const badValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constant([]),
  fc.constant({}),
  fc.boolean(),
);

/** An example with one field (top-level or one level down) removed, nulled, retyped, or an extra one. */
const mutated = fc
  .record({
    example: fc.constantFrom(...EXAMPLES),
    field: fc.nat(),
    nestedField: fc.nat(),
    deep: fc.boolean(),
    action: fc.constantFrom('delete', 'set', 'extra'),
    value: badValue,
    extraKey: fc.string({ maxLength: 12 }),
  })
  .map(({ example, field, nestedField, deep, action, value, extraKey }) => {
    const e: Record<string, unknown> = structuredClone(example);
    const keys = Object.keys(e).filter((k) => k !== 'type');
    let target = e;
    let key = keys[field % keys.length]!;
    const child = e[key];
    if (deep && child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length) {
      target = child as Record<string, unknown>;
      const inner = Object.keys(target);
      key = inner[nestedField % inner.length]!;
    }
    if (action === 'delete') delete target[key];
    else if (action === 'set') target[key] = value;
    else target[extraKey || 'extra'] = value;
    return e as Record<string, unknown> & { type: string };
  });

describe('the Realtime event boundary, through a call', () => {
  it('survives malformed events of every known type and arbitrary text frames', async () => {
    let dropped = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            mutated.map((e) => ({ e })),
            fc.string({ maxLength: 40 }).map((raw) => ({ raw })),
          ),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        async (frames) => {
          const h = harness();
          const rt = await h.rt();
          for (const f of frames) {
            if ('raw' in f) rt.emitRaw(f.raw);
            else rt.emit(f.e);
          }
          await settle();
          // The call goes on: caller audio still reaches the model, model audio still reaches the caller.
          const appendsBefore = rt.sentOfType('input_audio_buffer.append').length;
          const mediaBefore = h.transport.frames('media').length;
          h.transport.media(audio(20), 100_000);
          responseStart(rt, 'r_after', 'i_after', { fromServer: true });
          delta(rt, 'r_after', 'i_after', 100);
          await settle();
          const ok =
            !h.session.isEnded &&
            rt.sentOfType('input_audio_buffer.append').length === appendsBefore + 1 &&
            h.transport.frames('media').length === mediaBefore + 1;
          dropped += h.metrics.realtimeEventsDropped.size;
          h.transport.stop();
          await h.done;
          return ok;
        },
      ),
      { numRuns: 150 },
    );
    expect(dropped).toBeGreaterThan(0);
  });

  it('drops an error without its error object and a response.created without its response, and says so once', async () => {
    const h = harness();
    const rt = await h.rt();
    rt.emit({ type: 'error', event_id: 'e1' });
    rt.emit({ type: 'error', event_id: 'e2' });
    rt.emit({ type: 'response.created', event_id: 'e3' });
    rt.emitRaw('not json at all');
    await settle();
    expect(h.session.isEnded).toBe(false);
    expect(Object.fromEntries(h.metrics.realtimeEventsDropped)).toEqual({
      'error|missing_field': 2,
      'response.created|missing_field': 1,
      'unknown|not_json': 1,
    });
    const logged = h.lines.filter((l) => l.includes('dropped a Realtime event'));
    expect(logged.map((l) => JSON.parse(l).type)).toEqual(['error', 'response.created', 'unknown']);
    expect(await h.metrics.render()).toContain(
      'voice_realtime_events_dropped_total{type="error",reason="missing_field"} 2',
    );
  });
});
