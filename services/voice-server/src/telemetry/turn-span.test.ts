// A turn's OpenTelemetry span: recorded with its waterfall while tracing runs, and not built at all while
// it is off (`tracingStarted`), before tracing starts or after it is shut down.
import { startTelemetry, tracingStarted } from '@switchboard/service-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { recordTurnSpan } from './turn-span.ts';

interface Ended {
  name: string;
  attributes: Record<string, unknown>;
  startTime: [number, number];
  endTime: [number, number];
}

/** A span processor (the SDK's interface, structurally) that keeps every ended span. */
function keeper() {
  const ended: Ended[] = [];
  return {
    ended,
    processor: {
      onStart() {},
      onEnd(span: Ended) {
        ended.push(span);
      },
      forceFlush: async () => {},
      shutdown: async () => {},
    },
  };
}

const hrMs = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;
const TURN = {
  itemId: 'item_1',
  speechStoppedAt: 1_765_000_000_000,
  firstAudioMs: 420.4,
  firstFrameMs: 455.6,
};

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('recordTurnSpan', () => {
  it('records a turn span with its figures while tracing runs, and nothing once it is shut down', async () => {
    const k = keeper();
    // biome-ignore lint/suspicious/noExplicitAny: the processor is the SDK's interface, structurally
    const telemetry = startTelemetry({ serviceName: 'voice-server', spanProcessors: [k.processor as any] });
    stop = telemetry!.shutdown;
    expect(tracingStarted()).toBe(true);
    recordTurnSpan('CA1', TURN);
    expect(k.ended).toHaveLength(1);
    const span = k.ended[0]!;
    expect(span.name).toBe('turn');
    expect(span.attributes).toMatchObject({
      'call.sid': 'CA1',
      'turn.item_id': 'item_1',
      'turn.first_audio_ms': 420,
      'turn.first_frame_ms': 456,
    });
    expect(hrMs(span.startTime)).toBe(TURN.speechStoppedAt);
    expect(hrMs(span.endTime) - hrMs(span.startTime)).toBe(456);

    await telemetry!.shutdown();
    await telemetry!.shutdown(); // twice: counted once
    stop = undefined;
    expect(tracingStarted()).toBe(false);
    recordTurnSpan('CA1', { ...TURN, itemId: 'item_2' });
    expect(k.ended).toHaveLength(1);
  });

  it('builds nothing while tracing is off: no tracer is asked, so a turn costs nothing', () => {
    expect(tracingStarted()).toBe(false);
    // A turn that throws on any field read: nothing of it (figures, attributes, start) may be built.
    const poisoned = {
      get itemId(): string {
        throw new Error('itemId read while tracing is off');
      },
      get speechStoppedAt(): number {
        throw new Error('speechStoppedAt read while tracing is off');
      },
      get firstFrameMs(): number {
        throw new Error('firstFrameMs read while tracing is off');
      },
    };
    expect(() => recordTurnSpan('CA1', poisoned)).not.toThrow();
  });
});
