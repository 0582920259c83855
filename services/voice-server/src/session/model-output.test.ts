// The model loop's dispatch, alone: which part hears each Realtime event, and in what order.
import type { RealtimeServerEvent } from '@switchboard/realtime';
import { describe, expect, it } from 'vitest';
import { VoiceMetrics } from '../metrics.ts';
import { memoryLogger, mulaw } from '../testing/parts.ts';
import { ModelOutput, type ModelOutputDeps } from './model-output.ts';

/** A stand-in for a part: records `part.method` for every call, in one shared list. */
function recorder(name: string, calls: string[], values: Record<string, unknown> = {}) {
  return new Proxy(
    {},
    {
      get: (_t, prop: string) => {
        if (prop in values && typeof values[prop] !== 'function') return values[prop];
        return (...args: unknown[]) => {
          calls.push(`${name}.${prop}`);
          return typeof values[prop] === 'function'
            ? (values[prop] as (...a: unknown[]) => unknown)(...args)
            : undefined;
        };
      },
    },
  );
}

function output(opts: { cancelled?: string[]; timed?: boolean } = {}) {
  const calls: string[] = [];
  const { log } = memoryLogger();
  const metrics = new VoiceMetrics();
  const deps = {
    link: recorder('link', calls),
    lifecycle: { isEnded: false },
    audioOut: recorder('audioOut', calls),
    responses: recorder('responses', calls, {
      isCancelled: (id: unknown) => (opts.cancelled ?? []).includes(id as string),
      onDone: () => ({ failed: false, retried: false }),
      onCreated: () => ({ cancel: false }),
    }),
    bargeIn: recorder('bargeIn', calls),
    afterReply: recorder('afterReply', calls),
    tools: recorder('tools', calls),
    transcriptEvents: recorder('transcriptEvents', calls, { onAgentAudio: () => opts.timed ?? false }),
    limiter: recorder('limiter', calls),
    greeting: () => 'greet',
    record: () => {},
    metrics,
    log,
  } as unknown as ModelOutputDeps;
  return { out: new ModelOutput(deps), calls, metrics };
}

const ev = (e: Record<string, unknown> & { type: string }) => e as unknown as RealtimeServerEvent;

describe('ModelOutput dispatch (a part alone)', () => {
  it('response.done: the closing mark, the queue (next response), then tools, then call actions, then renewal', () => {
    const o = output();
    o.out.onEvent(ev({ type: 'response.done', event_id: 'e', response: { id: 'r1', status: 'completed' } }));
    expect(o.calls).toEqual([
      'audioOut.endMark',
      'responses.onDone',
      'tools.onResponseDone',
      'afterReply.onResponseDone',
      'link.maybeRenew',
    ]);
  });

  it('response.created: the queue, then call actions', () => {
    const o = output();
    o.out.onEvent(ev({ type: 'response.created', event_id: 'e', response: { id: 'r1' } }));
    expect(o.calls).toEqual(['responses.onCreated', 'afterReply.onResponseCreated']);
  });

  it('an audio delta: latency, activity, then media to the caller; a cancelled response is dropped', () => {
    const o = output({ cancelled: ['r_old'] });
    const delta = (response_id: string) =>
      ev({ type: 'response.output_audio.delta', event_id: 'e', response_id, item_id: 'i', delta: mulaw(20) });
    o.out.onEvent(delta('r1'));
    expect(o.calls).toEqual([
      'responses.isCancelled',
      'transcriptEvents.onAgentAudio',
      'limiter.activity',
      'audioOut.agent',
    ]);
    o.calls.length = 0;
    o.out.onEvent(delta('r_old'));
    expect(o.calls).toEqual(['responses.isCancelled']);
    expect(o.metrics.lateDeltasDropped).toBe(1);
  });

  it("the first delta of a timed reply: the waterfall's first frame is marked once media has gone out", () => {
    const o = output({ timed: true });
    o.out.onEvent(
      ev({
        type: 'response.output_audio.delta',
        event_id: 'e',
        response_id: 'r1',
        item_id: 'i',
        delta: mulaw(20),
      }),
    );
    expect(o.calls).toEqual([
      'responses.isCancelled',
      'transcriptEvents.onAgentAudio',
      'limiter.activity',
      'audioOut.agent',
      'transcriptEvents.onAgentFrameSent',
    ]);
  });

  it('speech events go to barge-in and to the transcript (the turn audio kept, the latency clock started)', () => {
    const o = output();
    o.out.onEvent(
      ev({ type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 1, item_id: 'u' }),
    );
    o.out.onEvent(
      ev({ type: 'input_audio_buffer.speech_stopped', event_id: 'e', audio_end_ms: 2, item_id: 'u' }),
    );
    expect(o.calls).toEqual([
      'bargeIn.onSpeechStarted',
      'transcriptEvents.onSpeechStarted',
      'bargeIn.onSpeechStopped',
      'transcriptEvents.onSpeechStopped',
    ]);
  });

  it('greets once, on the first session.updated', () => {
    const o = output();
    o.out.onEvent(ev({ type: 'session.updated', event_id: 'e', session: {} }));
    o.out.onEvent(ev({ type: 'session.updated', event_id: 'e', session: {} }));
    expect(o.calls).toEqual(['responses.request']);
  });

  it('a function call item goes to the tools; a message item does not', () => {
    const o = output();
    const done = (item: Record<string, unknown>) =>
      ev({ type: 'response.output_item.done', event_id: 'e', response_id: 'r1', output_index: 0, item });
    o.out.onEvent(done({ id: 'f', type: 'function_call', call_id: 'c1', name: 'end_call', arguments: '{}' }));
    o.out.onEvent(done({ id: 'm', type: 'message', role: 'assistant' }));
    expect(o.calls).toEqual(['tools.onFunctionCall']);
  });

  it('conversation_already_has_active_response re-queues the request; other errors are only counted', () => {
    const o = output();
    const error = (code: string) =>
      ev({ type: 'error', event_id: 'e', error: { type: 'invalid_request_error', code, message: 'm' } });
    o.out.onEvent(error('conversation_already_has_active_response'));
    o.out.onEvent(error('response_cancel_not_active'));
    o.out.onEvent(error('invalid_value'));
    expect(o.calls).toEqual(['responses.onAlreadyActive']);
    expect([...o.metrics.realtimeErrors.keys()]).toEqual([
      'conversation_already_has_active_response',
      'response_cancel_not_active',
      'invalid_value',
    ]);
  });

  it('transcript events go to the transcript', () => {
    const o = output();
    o.out.onEvent(
      ev({ type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u', previous_item_id: null }),
    );
    expect(o.calls).toEqual(['transcriptEvents.onEvent']);
  });
});
