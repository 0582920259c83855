// What voice-server sends about each turn beyond its text: what the caller heard of an interrupted
// answer, the reply's timings, a caller turn the transcription could not make out, and the brand's
// time zone on the call's start. Stored as sent on both stores, refused or ignored safely when bad.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, msg, staffCookie, startBody, startHarness } from '../testing/harness.ts';

describe.each(['memory', 'prisma'] as const)('turn fields from voice-server, %s store', (kind) => {
  let h: Harness;
  let cookie: string;
  beforeAll(async () => {
    h = await startHarness({ store: kind });
    cookie = await staffCookie(h, 'acme');
  }, 60_000);
  afterAll(async () => h.close());

  const post = (url: string, payload: unknown) =>
    h.app.inject({ method: 'POST', url, headers: h.serviceHeaders, payload: payload as object });
  const view = async (callSid: string) => {
    const c = await h.store.findConversationByCallSid(callSid);
    return (await h.app.inject({ url: `/api/conversations/${c!.id}`, headers: { cookie } })).json();
  };

  it('keeps heardText, the three latency figures and a failed transcription, and shows them in the API', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const answer = 'Your parcel left the depot this morning and should arrive by six tonight.';
    const res = await post(`/internal/conversations/${start.callSid}/messages`, {
      messages: [
        msg(1, { role: 'caller', text: null, transcription: 'failed' }),
        msg(2, {
          role: 'agent',
          text: answer,
          interrupted: true,
          heardText: 'Your parcel left the depot',
          latency: { responseMs: 702.4, firstAudioMs: 655.6, firstFrameMs: 701.5 },
        }),
        // A value this app-server does not know yet is stored as no value (a newer voice-server may send it).
        msg(3, { role: 'caller', text: null, transcription: 'pending' as 'failed' }),
      ],
    });
    expect(res.statusCode).toBe(200);
    const [caller, agent, later] = (await view(start.callSid)).messages;
    expect(caller).toMatchObject({ role: 'caller', text: null, transcription: 'failed' });
    expect(agent).toMatchObject({
      text: answer,
      interrupted: true,
      heardText: 'Your parcel left the depot',
      latency: { responseMs: 702, firstAudioMs: 656, firstFrameMs: 702 },
    });
    expect(later).toMatchObject({ transcription: null });

    // A re-sent turn keeps what it doesn't carry, and a later text fills the failed turn in.
    await post(`/internal/conversations/${start.callSid}/messages`, {
      messages: [
        msg(1, { role: 'caller', text: 'Where is my parcel?' }),
        msg(2, { role: 'agent', text: answer }),
      ],
    });
    const again = (await view(start.callSid)).messages;
    expect(again[0]).toMatchObject({ text: 'Where is my parcel?', transcription: 'failed' });
    expect(again[1]).toMatchObject({ heardText: 'Your parcel left the depot', interrupted: true });
  });

  it('keeps the external transcriber of a caller turn and its text, and ignores a transcriber it does not know', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const url = `/internal/conversations/${start.callSid}/messages`;
    const res = await post(url, {
      messages: [
        msg(1, {
          role: 'caller',
          text: 'Where is my parcel?',
          transcriber: 'cartesia',
          transcriberText: 'where is my parcel',
        }),
        msg(2, {
          role: 'caller',
          text: 'can i return it',
          source: 'transcriber',
          transcriber: 'elevenlabs',
          transcription: 'failed',
        }),
        msg(3, { role: 'caller', text: 'thanks', transcriber: 'deepgram' as 'cartesia' }),
      ],
    });
    expect(res.statusCode).toBe(200);
    const [first, second, third] = (await view(start.callSid)).messages;
    expect(first).toMatchObject({
      source: 'realtime',
      transcriber: 'cartesia',
      transcriberText: 'where is my parcel',
    });
    expect(second).toMatchObject({ source: 'transcriber', transcriber: 'elevenlabs', transcriberText: null });
    expect(third).toMatchObject({ transcriber: null });
    const page = await h.app.inject({
      url: `/conversations/${(await h.store.findConversationByCallSid(start.callSid))!.id}`,
      headers: { cookie },
    });
    expect(page.body).toContain('transcribed by ElevenLabs Scribe');
    expect(page.body).toContain('Cartesia: where is my parcel');
  });

  it("keeps the start's time zone, learns it as the brand's, and ignores one it does not know", async () => {
    const brandId = `tz-brand-${kind}`;
    const ny = startBody({ brandId, timezone: 'America/New_York' });
    expect((await post('/internal/conversations', ny)).statusCode).toBe(201);
    expect((await h.store.findConversationByCallSid(ny.callSid))!.timezone).toBe('America/New_York');
    expect((await h.store.getBrand(brandId))!.timezone).toBe('America/New_York');
    // The brand's zone is not moved by a later call; an unknown zone is stored as none, the call kept.
    const odd = startBody({ brandId, timezone: 'Mars/Olympus_Mons' });
    expect((await post('/internal/conversations', odd)).statusCode).toBe(201);
    expect((await h.store.findConversationByCallSid(odd.callSid))!.timezone).toBeNull();
    const berlin = startBody({ brandId, timezone: 'Europe/Berlin' });
    await post('/internal/conversations', berlin);
    expect((await h.store.getBrand(brandId))!.timezone).toBe('America/New_York');
    // A repeated start fills in a zone the first one lacked.
    const late = startBody({ brandId });
    await post('/internal/conversations', late);
    await post('/internal/conversations', { ...late, timezone: 'Asia/Tokyo' });
    expect((await h.store.findConversationByCallSid(late.callSid))!.timezone).toBe('Asia/Tokyo');
  });

  it('answers bad values of the new fields with a 400 naming the field, never a 500', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const url = `/internal/conversations/${start.callSid}/messages`;
    // Scalars are coerced to strings (Fastify's validator); what cannot be a string is refused.
    const notString = fc.oneof(
      fc.dictionary(fc.string({ minLength: 1 }), fc.jsonValue(), { minKeys: 1 }),
      fc.array(fc.string(), { minLength: 2 }),
    );
    const cases = fc.oneof(
      notString.map((v) => ({ field: 'heardText', message: msg(1, { heardText: v as unknown as string }) })),
      notString.map((v) => ({
        field: 'transcription',
        message: msg(1, { transcription: v as unknown as 'failed' }),
      })),
      notString.map((v) => ({
        field: 'transcriber',
        message: msg(1, { transcriber: v as unknown as 'cartesia' }),
      })),
      notString.map((v) => ({
        field: 'transcriberText',
        message: msg(1, { transcriberText: v as unknown as string }),
      })),
      fc
        .string({ minLength: 41, maxLength: 60 })
        .map((v) => ({ field: 'transcriber', message: msg(1, { transcriber: v as 'cartesia' }) })),
      fc
        .oneof(
          fc.double({ max: -0.001, noNaN: true, noDefaultInfinity: true }),
          fc.double({ min: 86_400_001, noNaN: true, noDefaultInfinity: true }),
          fc.stringMatching(/^[a-z]{1,8}$/),
        )
        .map((v) => ({ field: 'firstFrameMs', message: msg(1, { latency: { firstFrameMs: v as number } }) })),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ field, message }) => {
        const res = await post(url, { messages: [message] });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toContain(field);
      }),
      { numRuns: 40 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.object(), fc.string({ minLength: 65, maxLength: 80 })), async (tz) => {
        const res = await post('/internal/conversations', { ...startBody(), timezone: tz });
        expect(res.statusCode).toBe(400);
        expect(res.json().error.message).toContain('timezone');
      }),
      { numRuns: 20 },
    );
    // Any string up to the limit is accepted: known zones kept, the rest ignored.
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 64 }), async (tz) => {
        const body = { ...startBody(), timezone: tz };
        const res = await post('/internal/conversations', body);
        expect(res.statusCode).toBeLessThan(300);
      }),
      { numRuns: 20 },
    );
  });

  it('keeps a very long heardText in part, with a note, instead of refusing the turn', async () => {
    const start = startBody();
    await post('/internal/conversations', start);
    const long = 'heard '.repeat(20_000);
    const res = await post(`/internal/conversations/${start.callSid}/messages`, {
      messages: [msg(2, { role: 'agent', text: long, interrupted: true, heardText: long })],
    });
    expect(res.statusCode).toBe(200);
    const [m] = (await view(start.callSid)).messages;
    expect(m.heardText).toHaveLength(100_000);
    expect(m.sanitized.join(' ')).toContain('heardText');
  });
});
