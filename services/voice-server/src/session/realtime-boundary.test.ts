// The Realtime event boundary, through a running call: every event type the product acts on, with
// fields missing, null, of the wrong type or extra, and arbitrary text frames. Nothing may throw in
// the model loop; the call goes on (caller audio still appended, model audio still relayed).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mutatedEvent } from '../testing/realtime-examples.ts';
import { audio, delta, harness, responseStart, settle } from '../testing/session-harness.ts';

describe('the Realtime event boundary, through a call', () => {
  it('survives malformed events of every known type and arbitrary text frames', async () => {
    let dropped = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            mutatedEvent.map((e) => ({ e })),
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
