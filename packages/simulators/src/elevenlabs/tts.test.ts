/**
 * Fidelity of the text-to-speech WebSockets. Sources: ElevenLabs API reference, "WebSocket"
 * (`/v1/text-to-speech/{voice_id}/stream-input`) and "Multi-Context WebSocket"
 * (`/multi-stream-input`); the wire shapes are the `@elevenlabs/elevenlabs-js` serialisers
 * (`InitializeConnection`, `SendText`, `AudioOutput`, `FinalOutput`, `AudioOutputMulti`,
 * `FinalOutputMulti`), which build every client message here and parse every server message, strictly.
 * The SDK has no client for these sockets, so `ws` carries them.
 */

import * as serialization from '@elevenlabs/elevenlabs-js/serialization/index.js';
import { mulawToPcm16 } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { recognizeSpeech } from '../speech/recognize.ts';
import {
  type ElevenLabsSimulator,
  type ElevenLabsSimulatorOptions,
  startElevenLabsSimulator,
} from './server.ts';
import { inactivityMessage } from './tts-connection.ts';

const VOICE = 'JBFqnCBsd6RMkjVDRZzb';
const KEY = 'xi-test-key';
const strict = { unrecognizedObjectKeys: 'fail' } as const;

let sim: ElevenLabsSimulator | null = null;
const sockets: WebSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await sim?.close();
  sim = null;
});

interface Client {
  ws: WebSocket;
  messages: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  opened: Promise<void>;
  refused: Promise<{ status: number; body: Record<string, unknown> }>;
  until(pred: (m: Array<Record<string, unknown>>) => boolean, timeoutMs?: number): Promise<void>;
  send(m: unknown): void;
}

async function start(options: ElevenLabsSimulatorOptions = {}) {
  sim = await startElevenLabsSimulator({ apiKey: KEY, ...options });
  return sim;
}

function connect(
  query = 'model_id=eleven_flash_v2_5&output_format=ulaw_8000',
  opts: { path?: string; key?: string | null } = {},
): Client {
  const path = opts.path ?? `/v1/text-to-speech/${VOICE}/stream-input`;
  const headers: Record<string, string> = opts.key === null ? {} : { 'xi-api-key': opts.key ?? KEY };
  const ws = new WebSocket(`${sim!.wsBaseUrl}${path}?${query}`, { headers });
  sockets.push(ws);
  const messages: Array<Record<string, unknown>> = [];
  const wakers = new Set<() => void>();
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)) as Record<string, unknown>);
    for (const w of [...wakers]) w();
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => {
      r({ code, reason: reason.toString() });
      for (const w of [...wakers]) w();
    }),
  );
  const refused = new Promise<{ status: number; body: Record<string, unknown> }>((resolve) =>
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
      );
    }),
  );
  return {
    ws,
    messages,
    closed,
    refused,
    opened: new Promise((r) => ws.once('open', () => r())),
    send: (m) => ws.send(JSON.stringify(m)),
    until(pred, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
        const check = () => {
          if (!pred(messages)) return;
          clearTimeout(timer);
          wakers.delete(check);
          resolve();
        };
        wakers.add(check);
        check();
      });
    },
  };
}

const audioOf = (messages: Array<Record<string, unknown>>) => messages.filter((m) => 'audio' in m);
const heardText = (messages: Array<Record<string, unknown>>) =>
  recognizeSpeech(
    mulawToPcm16(Buffer.concat(audioOf(messages).map((m) => Buffer.from(String(m.audio), 'base64')))),
    8000,
  ).text;

describe('stream-input', () => {
  it('speaks the text as mu-law 8 kHz with alignment, on the chunk schedule, and ends with isFinal', async () => {
    await start();
    const c = connect();
    await c.opened;
    c.send(
      serialization.InitializeConnection.jsonOrThrow({
        text: ' ',
        voiceSettings: { stability: 0.5, similarityBoost: 0.8, speed: 1 },
        generationConfig: { chunkLengthSchedule: [60, 120] },
      }),
    );
    c.send(serialization.SendText.jsonOrThrow({ text: 'Thanks for calling Acme support. ' }));
    await new Promise((r) => setTimeout(r, 60));
    // 33 characters: under the schedule's first 60, nothing is generated yet
    expect(audioOf(c.messages)).toHaveLength(0);
    c.send(serialization.SendText.jsonOrThrow({ text: 'Your order ships tomorrow morning. ' }));
    await c.until((m) => audioOf(m).length > 0);
    c.send(serialization.SendText.jsonOrThrow({ text: 'Goodbye. ', flush: true }));
    c.send({ text: '' });
    const closed = await c.closed;
    expect(closed.code).toBe(1000);
    const final = c.messages.at(-1)!;
    expect(serialization.FinalOutput.parseOrThrow(final, strict)).toEqual({ isFinal: true });
    const audio = audioOf(c.messages).map((m) => serialization.AudioOutput.parseOrThrow(m, strict));
    const spoken = audio.flatMap((a) => a.alignment!.chars!).join('');
    expect(spoken).toBe('Thanks for calling Acme support. Your order ships tomorrow morning. Goodbye. ');
    for (const a of audio) {
      const bytes = Buffer.from(a.audio, 'base64').length;
      const al = a.alignment!;
      // times are relative to the message's own audio: they start at 0 and cover it
      expect(al.charStartTimesMs![0]).toBe(0);
      const end = al.charStartTimesMs!.at(-1)! + al.charDurationsMs!.at(-1)!;
      expect(Math.abs(end - bytes / 8)).toBeLessThanOrEqual(2);
      expect(a.normalizedAlignment!.chars!.length).toBe(al.chars!.length);
    }
    expect(heardText(c.messages)).toBe(
      'thanks for calling acme support. your order ships tomorrow morning. goodbye.',
    );
    expect(sim!.connections[0]!.charactersSynthesised).toBe(spoken.length);
  });

  it('takes the key in the first message when the header has none, and refuses a message without it', async () => {
    await start();
    const withKey = connect(undefined, { key: null });
    await withKey.opened;
    withKey.send(serialization.InitializeConnection.jsonOrThrow({ text: ' ', xiApiKey: KEY }));
    withKey.send({ text: 'Hello there. ', flush: true });
    await withKey.until((m) => audioOf(m).length > 0);
    const without = connect(undefined, { key: null });
    await without.opened;
    without.send({ text: ' ' });
    expect(await without.closed).toEqual({ code: 1008, reason: 'Invalid API key' });
  });

  it('waits out the synthesis delay before the first audio', async () => {
    await start({ synthesisDelayMs: 150 });
    const c = connect();
    await c.opened;
    c.send({ text: ' ' });
    const sentAt = Date.now();
    c.send({ text: 'One moment please. ', flush: true });
    await c.until((m) => audioOf(m).length > 0);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(140);
  });

  it('closes mid-turn when scripted to fail', async () => {
    await start({ faults: { closeAfterAudioMessages: { count: 1 } } });
    const c = connect();
    await c.opened;
    c.send({ text: ' ' });
    c.send({
      text: 'This reply is long enough to need more than one audio message to carry it all. ',
      flush: true,
    });
    expect((await c.closed).code).toBe(1011);
    expect(audioOf(c.messages)).toHaveLength(1);
  });

  it('closes with 1008 and the documented message after the inactivity timeout', async () => {
    await start();
    const c = connect('output_format=ulaw_8000&inactivity_timeout=1');
    await c.opened;
    const closed = await c.closed;
    expect(closed.code).toBe(1008);
    // a close frame holds 123 bytes: the documented message arrives cut, as clients log it
    expect(closed.reason).toBe(inactivityMessage(1).slice(0, 123));
  });

  it('refuses handshakes the way the API refuses the request', async () => {
    await start();
    expect(await connect(undefined, { key: 'wrong' }).refused).toEqual({
      status: 401,
      body: { detail: { status: 'invalid_api_key', message: 'Invalid API key' } },
    });
    const voice = await connect(undefined, { path: '/v1/text-to-speech/nope/stream-input' }).refused;
    expect(voice).toMatchObject({ status: 404, body: { detail: { status: 'voice_not_found' } } });
    const format = await connect('output_format=wav_1234').refused;
    expect(format.status).toBe(422);
    expect(format.body.detail).toEqual([expect.objectContaining({ loc: ['query', 'output_format'] })]);
    expect((await connect('output_format=mp3_44100_128').refused).status).toBe(400);
    expect((await connect('model_id=eleven_imaginary').refused).status).toBe(400);
  });

  it('refuses settings out of range and malformed messages with 1008, and never stops serving', async () => {
    await start();
    const bad = connect();
    await bad.opened;
    bad.send({ text: ' ', voice_settings: { stability: 2 } });
    expect(await bad.closed).toEqual({
      code: 1008,
      reason: 'voice_settings.stability must be a number between 0 and 1',
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), fc.string()), async (value) => {
        const c = connect();
        await c.opened;
        c.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
        c.send({ text: '' });
        const closed = await c.closed;
        expect([1000, 1008]).toContain(closed.code);
      }),
      { numRuns: 40 },
    );
    const after = connect();
    await after.opened;
    after.send({ text: ' ' });
    after.send({ text: 'Still here. ', flush: true });
    await after.until((m) => audioOf(m).length > 0);
  });
});

describe('multi-stream-input', () => {
  it('keeps contexts apart, closes one mid-turn without more of its audio, then closes the socket', async () => {
    await start({ synthesisDelayMs: 80 });
    const c = connect('output_format=ulaw_8000', { path: `/v1/text-to-speech/${VOICE}/multi-stream-input` });
    await c.opened;
    c.send({ text: ' ', context_id: 'turn-1' });
    c.send({ text: 'First answer. ', context_id: 'turn-1', flush: true });
    await c.until((m) => audioOf(m).length > 0);
    c.send({ text: 'This one is interrupted. ', context_id: 'turn-1', flush: true });
    c.send({ context_id: 'turn-1', close_context: true });
    c.send({ text: ' ', context_id: 'turn-2' });
    c.send({ text: 'Second answer. ', context_id: 'turn-2', flush: true });
    c.send({ close_socket: true });
    expect((await c.closed).code).toBe(1000);
    const audio = audioOf(c.messages).map((m) => serialization.AudioOutputMulti.parseOrThrow(m, strict));
    const finals = c.messages
      .filter((m) => m.isFinal === true)
      .map((m) => serialization.FinalOutputMulti.parseOrThrow(m, strict));
    expect(finals.map((f) => f.contextId)).toEqual(['turn-1', 'turn-2']);
    const textOf = (id: string) =>
      audio
        .filter((a) => a.contextId === id)
        .flatMap((a) => a.alignment!.chars!)
        .join('');
    expect(textOf('turn-1')).toBe('First answer. ');
    expect(textOf('turn-2')).toBe('Second answer. ');
    const lastOfTurn1 = c.messages.findLastIndex((m) => m.contextId === 'turn-1' && 'audio' in m);
    const finalOfTurn1 = c.messages.findIndex((m) => m.contextId === 'turn-1' && m.isFinal === true);
    expect(lastOfTurn1).toBeLessThan(finalOfTurn1);
  });
});
