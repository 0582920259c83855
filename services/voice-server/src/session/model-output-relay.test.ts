// The model loop's edges, alone: when its read loop stops (the call ended, no new socket), the relay
// latency of the model's audio (sampled one delta in RELAY_SAMPLE_EVERY, in seconds), text responses
// with and without an external voice, the events a malformed or partial payload could confuse (audio
// done, function-call items, a response without an id), and a handler that throws.
import { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VoiceMetrics } from '../metrics.ts';
import { modelOutputAlone, responseDone, serverEvent } from '../testing/model-output-alone.ts';
import { mulaw } from '../testing/parts.ts';
import { RELAY_SAMPLE_EVERY } from './caller-input.ts';

afterEach(() => {
  vi.useRealTimers();
});

const audioDelta = (responseId = 'r1') =>
  serverEvent({
    type: 'response.output_audio.delta',
    event_id: 'e',
    response_id: responseId,
    item_id: 'i',
    output_index: 0,
    content_index: 0,
    delta: mulaw(20),
  });

/** The model-to-caller relay latencies observed: how many, and their sum in seconds. */
async function modelToCaller(metrics: VoiceMetrics) {
  const { values } = await metrics.relayLatency.get();
  const of = (suffix: string) =>
    values.find((v) => v.metricName?.endsWith(suffix) && v.labels.direction === 'model_to_caller')?.value ??
    0;
  return { count: of('_count'), sum: of('_sum') };
}

describe('the read loop', () => {
  it('stops when the call ended, without waiting for the socket to close or reconnecting', async () => {
    const rt = new ScriptedRealtimeConnection();
    const o = modelOutputAlone({ link: { current: rt, reconnect: async () => undefined } });
    const run = o.out.run(rt);
    o.lifecycle.isEnded = true;
    rt.emit({ type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u', previous_item_id: null });
    rt.drop(); // closed too, so a loop that went on would reach the reconnect
    await run;
    expect(o.names()).not.toContain('link.reconnect');
    expect(o.names().at(-1)).toBe('audioOut.endMark');
  });

  it('stops when the link has no new socket for it after a drop', async () => {
    const rt = new ScriptedRealtimeConnection();
    const o = modelOutputAlone({ link: { current: undefined, reconnect: async () => undefined } });
    const run = o.out.run(rt);
    rt.drop();
    await expect(run).resolves.toBeUndefined();
    expect(o.argsOf('link.reconnect')).toEqual([[{ code: 1006, reason: '', byClient: false }]]);
  });
});

describe('relay latency of the model audio', () => {
  it('is observed for one delta in RELAY_SAMPLE_EVERY, under model_to_caller, from the first one', async () => {
    expect(RELAY_SAMPLE_EVERY).toBe(128);
    const o = modelOutputAlone();
    o.out.onEvent(audioDelta());
    expect((await modelToCaller(o.metrics)).count).toBe(1);
    for (let i = 1; i < 2 * RELAY_SAMPLE_EVERY + 1; i++) o.out.onEvent(audioDelta());
    expect((await modelToCaller(o.metrics)).count).toBe(3); // deltas 0, 128 and 256
    expect(o.argsOf('audioOut.agent')).toHaveLength(2 * RELAY_SAMPLE_EVERY + 1);
  });

  it('is the time the delta took to go out, in seconds', async () => {
    vi.useFakeTimers({ toFake: ['performance'] });
    vi.advanceTimersByTime(1_000); // a clock well past zero
    const o = modelOutputAlone({ audioOut: { agent: () => vi.advanceTimersByTime(2) } });
    o.out.onEvent(audioDelta());
    const observed = await modelToCaller(o.metrics);
    expect(observed.count).toBe(1);
    expect(observed.sum).toBeCloseTo(0.002, 9);
  });

  it('is not observed for a delta of a cancelled response (dropped and counted)', async () => {
    const o = modelOutputAlone({ cancelled: ['r_old'] });
    o.out.onEvent(audioDelta('r_old'));
    expect((await modelToCaller(o.metrics)).count).toBe(0);
    expect(o.metrics.lateDeltasDropped).toBe(1);
  });
});

describe('text responses', () => {
  const textDelta = (responseId: string) =>
    serverEvent({
      type: 'response.output_text.delta',
      event_id: 'e',
      response_id: responseId,
      item_id: 'i',
      output_index: 0,
      content_index: 0,
      delta: 'Hello',
    });
  const textDone = serverEvent({
    type: 'response.output_text.done',
    event_id: 'e',
    response_id: 'r1',
    item_id: 'i',
    output_index: 0,
    content_index: 0,
    text: 'Hello',
  });

  it('go to the external voice; the text of a cancelled response is dropped and counted', () => {
    const o = modelOutputAlone({ speech: true, cancelled: ['r_old'] });
    o.out.onEvent(textDelta('r_old'));
    expect(o.names()).toEqual(['responses.isCancelled']);
    expect(o.metrics.lateDeltasDropped).toBe(1);
    o.out.onEvent(textDelta('r1'));
    o.out.onEvent(textDone);
    expect(o.argsOf('speech.onTextDelta')).toEqual([['r1', 'i', 'Hello']]);
    expect(o.argsOf('speech.onTextDone')).toEqual([['i']]);
    expect(o.metrics.lateDeltasDropped).toBe(1);
  });

  it('without an external voice, are let pass (the transcript still hears the text done)', () => {
    const o = modelOutputAlone();
    expect(() => o.out.onEvent(textDelta('r1'))).not.toThrow();
    expect(() => o.out.onEvent(textDone)).not.toThrow();
    expect(o.names()).toEqual(['responses.isCancelled', 'transcriptEvents.onEvent']);
  });
});

describe('events a partial payload could confuse', () => {
  it('the end of the audio: its closing mark, then the transcript; nothing of a response done', () => {
    const o = modelOutputAlone();
    o.out.onEvent(
      serverEvent({
        type: 'response.output_audio.done',
        event_id: 'e',
        response_id: 'r1',
        item_id: 'i',
        output_index: 0,
        content_index: 0,
      }),
    );
    expect(o.names()).toEqual(['audioOut.endMark', 'transcriptEvents.onEvent']);
  });

  it('only a function call item with a call id and a name is a tool call; missing arguments are empty', () => {
    const o = modelOutputAlone();
    const done = (item: Record<string, unknown>) =>
      o.out.onEvent(
        serverEvent({
          type: 'response.output_item.done',
          event_id: 'e',
          response_id: 'r1',
          output_index: 0,
          item,
        }),
      );
    done({ id: 'f1', type: 'function_call', name: 'end_call', arguments: '{}' });
    done({ id: 'f2', type: 'function_call', call_id: 'c2', arguments: '{}' });
    done({ id: 'm', type: 'message', call_id: 'c3', name: 'end_call', arguments: '{}' });
    expect(o.names()).toEqual([]);
    done({ id: 'f4', type: 'function_call', call_id: 'c4', name: 'end_call' });
    expect(o.argsOf('tools.onFunctionCall')).toEqual([
      [{ callId: 'c4', name: 'end_call', argumentsJson: '', responseId: 'r1' }],
    ]);
  });

  it('a response done without an id is done under the empty id everywhere', () => {
    const o = modelOutputAlone({ speech: true });
    o.out.onEvent(responseDone(undefined, 'completed'));
    for (const part of [
      'speech.onResponseDone',
      'responses.onDone',
      'tools.onResponseDone',
      'afterReply.onResponseDone',
    ])
      expect(o.argsOf(part)[0]![0]).toBe('');
  });
});

describe('a handler that throws', () => {
  it('drops its event, counted under handler_error, and the next event is still handled', () => {
    let fail = true;
    const o = modelOutputAlone({
      audioOut: {
        agent: () => {
          if (fail) throw new Error('socket gone');
        },
      },
    });
    const entered = (event: ReturnType<typeof audioDelta>) => o.out.onEntered({ ok: true, event });
    expect(() => entered(audioDelta())).not.toThrow();
    expect(o.metrics.realtimeEventsDropped).toEqual(
      new Map([['response.output_audio.delta|handler_error', 1]]),
    );
    fail = false;
    entered(audioDelta());
    expect(o.argsOf('audioOut.agent')).toHaveLength(2);
    expect(o.metrics.realtimeEventsDropped.get('response.output_audio.delta|handler_error')).toBe(1);
  });
});
