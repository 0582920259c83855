// The browser test call through its WebSocket route: the token decides who may call which profile,
// audio is converted both ways so the session core runs as for Twilio, barge-in clears the browser's
// queue, and whatever the browser sends, the call either goes on or closes cleanly.
import { WebCallTokens } from '@switchboard/service-kit';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { build, closeApp, closed, currentServer, WEB_CALL_SECRET } from '../testing/app-harness.ts';
import { PROFILE } from '../testing/fakes.ts';
import { delta, responseStart, until } from '../testing/session-harness.ts';
import { pcm16ToBytes } from './web-call-protocol.ts';

afterEach(closeApp);

const tokens = new WebCallTokens(WEB_CALL_SECRET);
const mint = (brandId = PROFILE.brandId!) =>
  tokens.issue({ brandId, profileKey: 'acme-support', staffId: 'staff-1' });

type Received = { binary: true; data: Buffer } | { binary: false; data: Record<string, unknown> };

function recorder(ws: WebSocket): Received[] {
  const got: Received[] = [];
  ws.on('message', (data, isBinary) =>
    got.push(
      isBinary
        ? { binary: true, data: data as Buffer }
        : { binary: false, data: JSON.parse(String(data)) as Record<string, unknown> },
    ),
  );
  return got;
}
const controls = (got: Received[]) => got.flatMap((m) => (m.binary ? [] : [m.data]));

/** 20 ms of a 16 kHz tone, as the browser sends it. */
const mic = () => pcm16ToBytes(Int16Array.from({ length: 320 }, (_, i) => (i % 16 < 8 ? 4000 : -4000)));

/** A real socket to the listening app (a browser's close reaches the server as over TCP). */
async function connect(env: Awaited<ReturnType<typeof build>>): Promise<WebSocket> {
  const address = env.app.server.address();
  if (!address || typeof address === 'string') await env.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = env.app.server.address() as { port: number };
  const ws = new WebSocket(`ws://127.0.0.1:${port}/web-call`);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

async function open(env: Awaited<ReturnType<typeof build>>, token = mint().token) {
  const ws = await connect(env);
  const got = recorder(ws);
  ws.send(JSON.stringify({ type: 'start', token }));
  return { ws, got };
}

async function accepted(env: Awaited<ReturnType<typeof build>>) {
  const before = env.connector.connections.length;
  const issued = mint();
  const { ws, got } = await open(env, issued.token);
  await until(() => env.connector.connections.length === before + 1, 'Realtime session');
  const rt = env.connector.connections[before]!;
  await until(() => rt.sentOfType('session.update').length > 0, 'configured');
  return { ws, got, rt, callSid: issued.grant.callSid };
}

describe('the browser test call route', () => {
  it('runs the call on the session core: a web conversation, audio both ways, a clear on barge-in', async () => {
    const env = await build({ webCalls: true });
    const { ws, got, rt, callSid } = await accepted(env);
    await until(() => controls(got).length > 0, 'started');
    expect(controls(got)[0]).toEqual({ type: 'started', callSid });
    await until(() => env.appServer.conversations.has(callSid), 'conversation');
    const start = env.appServer.conversations.get(callSid)!.start;
    expect(start).toMatchObject({ direction: 'web', callerNumber: 'browser', isSip: false });
    // A bare key may be another brand's too: the profile is asked for under the token's brand.
    expect(env.ai.profileRefs[0]).toBe(`${PROFILE.brandId}:acme-support`);
    expect(start.botProfileKey).toBe(`${PROFILE.brandId}:acme-support`);

    // 20 ms at 16 kHz reaches the model as 20 ms of 8 kHz mu-law (160 bytes), as Twilio's frames do.
    ws.send(mic());
    await until(() => rt.sentOfType('input_audio_buffer.append').length > 0, 'caller audio');
    expect(Buffer.from(rt.sentOfType('input_audio_buffer.append')[0]!.audio, 'base64').length).toBe(160);

    // The agent's 2 × 100 ms of mu-law reach the browser as 200 ms of 16 kHz PCM16, then a mark (the
    // call's first follows its first 200 ms of audio).
    responseStart(rt, 'resp_1', 'item_a');
    delta(rt, 'resp_1', 'item_a', 100);
    delta(rt, 'resp_1', 'item_a', 100);
    await until(() => controls(got).some((c) => c.type === 'mark'), 'mark');
    const audioBytes = got.filter((m) => m.binary).reduce((n, m) => n + m.data.length, 0);
    expect(audioBytes).toBe(200 * 16 * 2);

    // The caller talks over it: the browser is told to drop what it queued.
    rt.emit({ type: 'input_audio_buffer.speech_started', event_id: 'e1', audio_start_ms: 40, item_id: 'u1' });
    await until(() => controls(got).some((c) => c.type === 'clear'), 'clear');

    // The browser hangs up: the conversation ends.
    const code = closed(ws);
    ws.send(JSON.stringify({ type: 'stop' }));
    expect(await code).toBe(1000);
    await until(() => env.appServer.conversations.get(callSid)?.end !== undefined, 'ended');
    expect(env.appServer.conversations.get(callSid)!.end!.endReason).toBe('caller_hangup');
  });

  it('refuses a forged, replayed or other-brand token and a silent browser with 1008, before any model session', async () => {
    const env = await build({ webCalls: true, startTimeoutMs: 200 });
    const forged = new WebCallTokens('another secret').issue({
      brandId: PROFILE.brandId!,
      profileKey: 'acme-support',
      staffId: 's',
    }).token;
    const used = mint().token;
    const first = await open(env, used);
    await until(() => controls(first.got).length > 0, 'first use accepted');
    for (const token of [forged, used, mint('brand-globex').token]) {
      const { ws } = await open(env, token);
      expect(await closed(ws)).toBe(1008);
    }
    const silent = await connect(env);
    expect(await closed(silent)).toBe(1008);
    expect(env.connector.connections.length).toBe(1);
    first.ws.terminate();
  });

  it('closes a message over MAX_FRAME_BYTES with 1009 and ends the call', async () => {
    const env = await build({ webCalls: true });
    const { ws, rt, callSid } = await accepted(env);
    const code = closed(ws);
    ws.send(Buffer.alloc(70_000), { binary: true });
    expect(await code).toBe(1009);
    await until(() => env.appServer.conversations.get(callSid)?.end !== undefined, 'conversation ended');
    await until(() => rt.closedNow, 'Realtime closed');
    expect(currentServer()!.metrics.oversizedFrames).toBe(1);
  });

  it('has no route without WEB_CALL_SECRET', async () => {
    const env = await build();
    const res = await env.app.inject({ url: '/web-call' });
    expect(res.statusCode).toBe(404);
  });

  it('whatever the browser sends, the call goes on or closes cleanly (1007), and the next call is taken', async () => {
    const env = await build({ webCalls: true });
    const frame = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => ({ data: Buffer.from(b), binary: true })),
      fc.string({ maxLength: 40 }).map((s) => ({ data: Buffer.from(s), binary: false })),
      fc.jsonValue().map((v) => ({ data: Buffer.from(JSON.stringify(v)), binary: false })),
      fc.constantFrom('mark', 'start', 'stop', 'media').map((type) => ({
        data: Buffer.from(JSON.stringify({ type, name: 1 })),
        binary: false,
      })),
    );
    let closedBad = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 8 }), async (frames) => {
        const { ws, rt, callSid } = await accepted(env);
        const malformed = currentServer()!.metrics.framesMalformed;
        const code = closed(ws);
        for (const f of frames) ws.send(f.data, { binary: f.binary });
        const appended = rt.sentOfType('input_audio_buffer.append').length;
        ws.send(mic());
        const outcome = await Promise.race([
          code,
          until(() => rt.sentOfType('input_audio_buffer.append').length > appended, 'audio').then(() => 'on'),
        ]);
        if (outcome === 'on') {
          expect(rt.closedNow).toBe(false);
          ws.close();
        } else {
          // Closed: for a bad frame (counted) with 1007, or by a well-formed stop with 1000.
          expect([1000, 1007]).toContain(outcome);
          if (outcome === 1007) {
            closedBad++;
            expect(currentServer()!.metrics.framesMalformed).toBeGreaterThan(malformed);
          }
        }
        // The call ends and its conversation is closed: nothing is lost or left running.
        await until(() => env.appServer.conversations.get(callSid)?.end !== undefined, 'conversation ended');
        await until(() => rt.closedNow, 'Realtime closed');
      }),
      { numRuns: 30 },
    );
    expect(closedBad).toBeGreaterThan(0);
    const next = await accepted(env);
    next.ws.send(mic());
    await until(() => next.rt.sentOfType('input_audio_buffer.append').length > 0, 'a later call');
    next.ws.terminate();
  }, 60_000);
});
