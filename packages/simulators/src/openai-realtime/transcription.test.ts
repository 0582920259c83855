/**
 * Input audio transcription (issue 11.1), as the real API does it. Sources: the GA schemas
 * `RealtimeSessionCreateRequestGA.audio.input.transcription` / `AudioTranscription` (models, language),
 * `RealtimeServerEventConversationItemInputAudioTranscription{Delta,Completed,Failed}` ("Transcription
 * runs asynchronously with Response creation, so this event may come before or after the Response
 * events"), `RealtimeConversationItemMessageUser` (the transcript is attached to the item for
 * reference), and the failed event's error as the real API sent it (openai/openai-agents-js#297).
 */
import fc from 'fast-check';
import type { RealtimeServerEvent } from 'openai/resources/realtime/realtime';
import { describe, expect, it } from 'vitest';
import { RealtimeProtocolError } from './errors.ts';
import type { Scenario } from './scenario.ts';
import { connectRealtimeSdk } from './sdk.ts';
import type { RealtimeSimulatorOptions } from './server.ts';
import { applySessionUpdate, defaultSessionConfig } from './session-config.ts';
import { simHarness } from './test-harness.ts';
import {
  concatBytes,
  mulawQuiet,
  mulawTone,
  type RawRealtimeClient,
  type ServerEvent,
} from './test-support.ts';

const scenario: Scenario = {
  turns: [
    { user: 'where is my order', say: 'Let me check that for you.' },
    { user: 'thanks a lot', say: 'You are welcome.', transcription: { fails: true } },
    {
      user: 'bye',
      say: 'Goodbye.',
      transcription: { fails: { type: 'transcription_error', code: 'audio_unintelligible', message: 'x' } },
    },
  ],
};

const h = simHarness({ scenario, pacing: 'burst' });

/** A client of a fresh simulator whose session sets `transcription` (left out when undefined). */
async function client(
  transcription: unknown,
  options: RealtimeSimulatorOptions = {},
  extra: Record<string, unknown> = {},
): Promise<RawRealtimeClient> {
  await h.start(options);
  const input: Record<string, unknown> = { format: { type: 'audio/pcmu' } };
  if (transcription !== undefined) input.transcription = transcription;
  return h.connect({ audio: { input }, ...extra });
}

/** One caller turn: 900 ms of speech between silences; resolves with the committed item id. */
async function speak(c: RawRealtimeClient): Promise<string> {
  const from = c.events.length;
  c.appendAudio(concatBytes(mulawQuiet(300), mulawTone(900), mulawQuiet(800)));
  return (await c.next('input_audio_buffer.committed', from)).item_id as string;
}

const ofItem = (c: RawRealtimeClient, itemId: string, type: string) =>
  c.events.filter((e) => e.type === type && e.item_id === itemId);

describe('input transcription off (the default)', () => {
  it('sends no transcription events and never puts caller text on the user item', async () => {
    const c = await client(undefined, { transcriptionDelayMs: 0 });
    const itemId = await speak(c);
    const added = await c.next((e) => e.type === 'conversation.item.added' && itemOf(e).id === itemId);
    expect(itemOf(added).content).toEqual([{ type: 'input_audio', transcript: null }]);
    await c.next('response.done');
    await new Promise((r) => setTimeout(r, 30));
    expect(c.types().filter((t) => t.startsWith('conversation.item.input_audio_transcription'))).toEqual([]);
    const retrieved = await c.request(
      { type: 'conversation.item.retrieve', item_id: itemId },
      'conversation.item.retrieved',
    );
    expect((itemOf(retrieved).content as Array<{ transcript: unknown }>)[0]!.transcript).toBeNull();
    const session = h.sim.sessions[0]!;
    // the simulator still knows what was said (for tests), but it is not on the wire
    expect(session.items[0]).toMatchObject({ text: null, spokenText: 'where is my order' });
  });
});

describe('input transcription on', () => {
  it('streams the transcript word by word after the commit, after the reply has started, then attaches it', async () => {
    const c = await client({ model: 'gpt-4o-mini-transcribe', language: 'en' });
    const itemId = await speak(c);
    const completed = await c.next(
      (e) => e.type === 'conversation.item.input_audio_transcription.completed' && e.item_id === itemId,
    );
    expect(completed).toMatchObject({ content_index: 0, transcript: 'where is my order' });
    // the item holds 1.7 s (300 ms prefix padding + 900 ms speech + 500 ms silence): 17 audio tokens
    expect(h.sim.sessions[0]!.items[0]!.audioMs).toBe(1700);
    expect(completed.usage).toEqual({
      type: 'tokens',
      total_tokens: 17 + 5,
      input_tokens: 17,
      input_token_details: { text_tokens: 0, audio_tokens: 17 },
      output_tokens: 5,
    });
    const deltas = ofItem(c, itemId, 'conversation.item.input_audio_transcription.delta');
    expect(deltas.map((d) => d.delta)).toEqual(['where ', 'is ', 'my ', 'order']);
    // asynchronous: the default delay puts the transcript after the reply began
    const at = (e: ServerEvent) => c.events.indexOf(e);
    expect(at(c.events.find((e) => e.type === 'response.created')!)).toBeLessThan(at(deltas[0]!));
    expect(at(c.events.find((e) => e.type === 'input_audio_buffer.committed')!)).toBeLessThan(at(deltas[0]!));
    const retrieved = await c.request(
      { type: 'conversation.item.retrieve', item_id: itemId },
      'conversation.item.retrieved',
    );
    expect((itemOf(retrieved).content as Array<{ transcript: unknown }>)[0]!.transcript).toBe(
      'where is my order',
    );
    expect(h.sim.sessions[0]!.items[0]!.text).toBe('where is my order');
  });

  it('sends whisper-1 transcripts as one delta, billed by duration', async () => {
    const c = await client({ model: 'whisper-1' }, { transcriptionDelayMs: 0 });
    const itemId = await speak(c);
    const completed = await c.next('conversation.item.input_audio_transcription.completed');
    expect(completed.usage).toEqual({ type: 'duration', seconds: 1.7 });
    expect(
      ofItem(c, itemId, 'conversation.item.input_audio_transcription.delta').map((d) => d.delta),
    ).toEqual(['where is my order']);
  });

  it('adds logprobs when the session includes them', async () => {
    const c = await client(
      { model: 'gpt-4o-transcribe' },
      { transcriptionDelayMs: 0 },
      {
        include: ['item.input_audio_transcription.logprobs'],
      },
    );
    await speak(c);
    const completed = await c.next('conversation.item.input_audio_transcription.completed');
    expect((completed.logprobs as Array<{ token: string }>).map((l) => l.token)).toEqual([
      'where ',
      'is ',
      'my ',
      'order',
    ]);
  });

  it('fails a turn as scripted, with the real error shape, and leaves the item without text', async () => {
    const c = await client({ model: 'gpt-4o-mini-transcribe' }, { transcriptionDelayMs: 0 });
    await speak(c);
    await c.next('response.done');
    const second = await speak(c);
    const failed = await c.next('conversation.item.input_audio_transcription.failed');
    expect(failed).toMatchObject({
      item_id: second,
      content_index: 0,
      error: {
        type: 'server_error',
        code: null,
        message: `Input transcription failed for item '${second}'.`,
        param: null,
      },
    });
    expect(ofItem(c, second, 'conversation.item.input_audio_transcription.completed')).toEqual([]);
    await c.next(
      (e) => e.type === 'response.done' && c.events.filter((x) => x.type === 'response.done').length === 2,
    );
    const third = await speak(c);
    const failedAgain = await c.next(
      (e) => e.type === 'conversation.item.input_audio_transcription.failed' && e.item_id === third,
    );
    expect(failedAgain.error).toEqual({
      type: 'transcription_error',
      code: 'audio_unintelligible',
      message: 'x',
      param: null,
    });
    expect(h.sim.sessions[0]!.items.find((i) => i.id === second)).toMatchObject({
      text: null,
      spokenText: 'thanks a lot',
    });
  });

  it('fails every transcript when the fault plan says so', async () => {
    const c = await client(
      { model: 'whisper-1' },
      { transcriptionDelayMs: 0, faults: { transcriptionFails: true } },
    );
    await speak(c);
    await c.next('conversation.item.input_audio_transcription.failed');
    expect(c.types()).not.toContain('conversation.item.input_audio_transcription.completed');
  });

  it('reaches the openai SDK as typed events', async () => {
    const sim = await h.start({ transcriptionDelayMs: 0 });
    const rt = await connectRealtimeSdk(sim);
    const events: RealtimeServerEvent[] = [];
    rt.on('event', (e) => events.push(e));
    rt.on('error', () => {});
    rt.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            transcription: { model: 'gpt-4o-transcribe', language: 'en' },
          },
        },
      },
    });
    const session = await sim.session(0);
    await session.waitFor('session.updated');
    for (const chunk of chunks(concatBytes(mulawQuiet(300), mulawTone(900), mulawQuiet(800)))) {
      rt.send({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk).toString('base64') });
    }
    await session.waitFor('conversation.item.input_audio_transcription.completed');
    await until(() => events.some((e) => e.type === 'conversation.item.input_audio_transcription.completed'));
    const completed = events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed');
    expect(completed).toMatchObject({ transcript: 'where is my order' });
    rt.socket.terminate();
  });
});

describe('transcription config', () => {
  const base = () => defaultSessionConfig('sess_t', 'gpt-realtime', 0);
  const apply = (transcription: unknown) =>
    applySessionUpdate(
      base(),
      { type: 'realtime', audio: { input: { transcription } } },
      { audioProduced: false },
    );

  it('takes the models and languages the real API takes', () => {
    for (const model of ['gpt-4o-mini-transcribe', 'gpt-4o-transcribe', 'whisper-1']) {
      expect(apply({ model, language: 'de' }).audio.input.transcription).toEqual({ model, language: 'de' });
    }
    expect(apply(null).audio.input.transcription).toBeNull();
  });

  it.each([
    [{ model: 'whisper-2' }, 'invalid_value', 'session.audio.input.transcription.model'],
    [
      { model: 'gpt-4o-mini-transcribe', language: 'english' },
      'invalid_value',
      'session.audio.input.transcription.language',
    ],
    [
      { model: 'gpt-4o-mini-transcribe', language: 'en-US' },
      'invalid_value',
      'session.audio.input.transcription.language',
    ],
    [{ enabled: true, model: 'whisper-1' }, 'unknown_parameter', 'session.audio.input.transcription.enabled'],
    [
      { model: 'gpt-realtime-whisper', prompt: 'names' },
      'invalid_value',
      'session.audio.input.transcription.prompt',
    ],
    [
      { model: 'whisper-1', languages: ['en'] },
      'invalid_value',
      'session.audio.input.transcription.languages',
    ],
    [
      { model: 'gpt-transcribe', languages: [] },
      'empty_array',
      'session.audio.input.transcription.languages',
    ],
    ['whisper-1', 'invalid_type', 'session.audio.input.transcription'],
  ])('refuses %j with %s naming %s', (transcription, code, param) => {
    let caught: unknown;
    try {
      apply(transcription);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RealtimeProtocolError);
    expect(caught).toMatchObject({ code, param });
  });

  it('lists the supported models in the error, as the real API lists supported values', () => {
    expect(() => apply({ model: 'whisper-2' })).toThrow(
      "Invalid value: 'whisper-2'. Supported values are: 'whisper-1', 'gpt-4o-mini-transcribe',",
    );
  });

  it('never throws anything but a protocol error naming the transcription field (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (transcription) => {
        try {
          apply(transcription);
        } catch (err) {
          expect(err).toBeInstanceOf(RealtimeProtocolError);
          expect((err as RealtimeProtocolError).param).toMatch(/^session\.audio\.input\.transcription/);
        }
      }),
      { numRuns: 300 },
    );
  });
});

function itemOf(e: ServerEvent): Record<string, unknown> {
  return e.item as Record<string, unknown>;
}

function chunks(audio: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < audio.length; at += 160) out.push(audio.subarray(at, at + 160));
  return out;
}

async function until(probe: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  while (!probe()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 5));
  }
}
