// The Twilio side of the boundary, through the WebSocket route: every message type Twilio sends, with
// fields missing, null, of the wrong type or extra, and arbitrary text and binary frames. The call must
// go on: caller audio sent afterwards still reaches the model.
import {
  decodeTwilioInbound,
  encodeTwilioConnected,
  encodeTwilioDtmf,
  encodeTwilioInboundMark,
  encodeTwilioInboundMedia,
  encodeTwilioStop,
  signTwilioRequest,
} from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AUTH_TOKEN,
  build,
  closeApp,
  currentServer,
  SIDS,
  STREAM_URL,
  startFrame,
} from '../testing/app-harness.ts';
import { until } from '../testing/session-harness.ts';

afterEach(closeApp);

let calls = 0;

/** Twilio's stop, as its Media Streams reference shows it. */
const STOP: Record<string, unknown> = JSON.parse(
  encodeTwilioStop({
    sequenceNumber: 6,
    streamSid: SIDS.stream,
    accountSid: SIDS.account,
    callSid: SIDS.call,
  }),
);

const EXAMPLES: Array<Record<string, unknown>> = [
  JSON.parse(encodeTwilioConnected()),
  JSON.parse(startFrame()),
  JSON.parse(
    encodeTwilioInboundMedia({
      sequenceNumber: 3,
      streamSid: SIDS.stream,
      chunk: 2,
      timestamp: 40,
      payload: 'AAAA',
    }),
  ),
  JSON.parse(encodeTwilioInboundMark({ sequenceNumber: 4, streamSid: SIDS.stream, name: '0.1' })),
  JSON.parse(encodeTwilioDtmf({ sequenceNumber: 5, streamSid: SIDS.stream, digit: '7' })),
  STOP,
];

const bad = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 6 }),
  fc.constant([]),
  fc.constant({}),
  fc.boolean(),
);

const mutatedOf = (examples: Array<Record<string, unknown>>) =>
  fc
    .record({
      example: fc.constantFrom(...examples),
      pick: fc.nat(),
      deep: fc.boolean(),
      action: fc.constantFrom('delete', 'set', 'extra'),
      value: bad,
    })
    .map(({ example, pick, deep, action, value }) => {
      const e = structuredClone(example) as Record<string, unknown>;
      let target = e;
      const keys = Object.keys(e);
      let key = keys[pick % keys.length]!;
      const child = e[key];
      if (deep && child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length) {
        target = child as Record<string, unknown>;
        const inner = Object.keys(target);
        key = inner[pick % inner.length]!;
      }
      if (action === 'delete') delete target[key];
      else if (action === 'set') target[key] = value;
      else target.extra = value;
      return JSON.stringify(e);
    });

const mutated = mutatedOf(EXAMPLES);

const frame = fc.oneof(
  mutated,
  fc.string({ maxLength: 80 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
);

/** Opens a stream for a new call and waits for its Realtime session to be configured. */
async function openCall(
  app: Awaited<ReturnType<typeof build>>['app'],
  connector: Awaited<ReturnType<typeof build>>['connector'],
) {
  const before = connector.connections.length;
  const ws = await app.injectWS('/twilio-stream', {
    headers: { 'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL) },
  });
  ws.send(encodeTwilioConnected());
  // Each run is its own call: a stream token is good for one start only.
  ws.send(startFrame(undefined, { callSid: `CA${String(++calls).padStart(32, '0')}` }));
  await until(() => connector.connections.length === before + 1, 'Realtime session');
  const rt = connector.connections[before]!;
  await until(() => rt.sentOfType('session.update').length > 0, 'configured');
  return { ws, rt };
}

const callerMedia = () =>
  encodeTwilioInboundMedia({
    sequenceNumber: 99,
    streamSid: SIDS.stream,
    chunk: 99,
    timestamp: 60_000,
    payload: 'AAAA',
  });

const hangups = () => currentServer()!.metrics.callsEnded.get('caller_hangup') ?? 0;

/** A stop the decoder accepts (fields Twilio may leave out are optional): it ends the call. */
const isStop = (f: string | Buffer): boolean => {
  const d = decodeTwilioInbound(f);
  return d.ok && d.message.event === 'stop';
};

describe('the Twilio boundary, through the stream route', () => {
  it('a malformed stop is dropped and counted; one the decoder accepts ends the call cleanly', async () => {
    const { app, connector } = await build();
    let ended = 0;
    let goneOn = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(mutatedOf([STOP]), frame), { minLength: 1, maxLength: 8 }),
        async (frames) => {
          const { ws, rt } = await openCall(app, connector);
          const malformedBefore = currentServer()!.metrics.framesMalformed;
          const hangupsBefore = hangups();
          const stops = frames.filter(isStop).length;
          for (const f of frames) ws.send(f);
          if (stops > 0) {
            // The caller hung up: the session closes, the stream ends, nothing is left running.
            await until(() => rt.closedNow, 'Realtime session closed');
            // Ended as a hang-up, not by a fault in the loop.
            await until(() => hangups() === hangupsBefore + 1, 'ended as caller_hangup');
            ended++;
          } else {
            const appended = rt.sentOfType('input_audio_buffer.append').length;
            ws.send(callerMedia());
            await until(
              () => rt.sentOfType('input_audio_buffer.append').length > appended,
              'audio after the garbage',
            );
            expect(rt.closedNow).toBe(false);
            // Each refused stop was dropped and counted as a malformed frame.
            const refused = frames.filter(
              (f) => typeof f === 'string' && f.includes('"event":"stop"'),
            ).length;
            expect(currentServer()!.metrics.framesMalformed - malformedBefore).toBeGreaterThanOrEqual(
              refused,
            );
            goneOn++;
          }
          ws.terminate();
        },
      ),
      { numRuns: 40 },
    );
    expect(ended).toBeGreaterThan(0);
    expect(goneOn).toBeGreaterThan(0);
    // The process took every call after those: one more call still reaches the model.
    const { ws, rt } = await openCall(app, connector);
    ws.send(callerMedia());
    await until(() => rt.sentOfType('input_audio_buffer.append').length > 0, 'a later call');
    ws.terminate();
  }, 60_000);

  it('survives malformed messages of every type and arbitrary frames; caller audio still reaches the model', async () => {
    const { app, connector } = await build();
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 15 }), async (frames) => {
        const before = connector.connections.length;
        const ws = await app.injectWS('/twilio-stream', {
          headers: {
            'x-twilio-signature': signTwilioRequest(AUTH_TOKEN, STREAM_URL),
          },
        });
        ws.send(encodeTwilioConnected());
        // Each run is its own call: a stream token is good for one start only.
        ws.send(startFrame(undefined, { callSid: `CA${String(++calls).padStart(32, '0')}` }));
        await until(() => connector.connections.length === before + 1, 'Realtime session');
        const rt = connector.connections[before]!;
        await until(() => rt.sentOfType('session.update').length > 0, 'configured');
        for (const f of frames) {
          // A well-formed stop hangs up, as it should: keep it out of the garbage.
          if (typeof f === 'string' && f.includes('"event":"stop"')) continue;
          ws.send(f);
        }
        const appended = rt.sentOfType('input_audio_buffer.append').length;
        ws.send(
          encodeTwilioInboundMedia({
            sequenceNumber: 99,
            streamSid: SIDS.stream,
            chunk: 99,
            timestamp: 60_000,
            payload: 'AAAA',
          }),
        );
        await until(
          () => rt.sentOfType('input_audio_buffer.append').length > appended,
          'audio after the garbage',
        );
        ws.terminate();
      }),
      { numRuns: 40 },
    );
    expect(currentServer()!.metrics.framesMalformed).toBeGreaterThan(0);
  }, 60_000);
});
