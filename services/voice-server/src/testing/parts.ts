// Doubles for testing one part of a call alone, without a session or sockets.

import { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { createLogger, type Logger } from '@switchboard/service-kit';
import type { DecodeResult, TwilioInbound } from '@switchboard/telephony';
import { VoiceMetrics } from '../metrics.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import type { TranscriptionResult } from '../ports/transcriber.ts';
import { AudioOut } from '../session/audio-out.ts';
import { BargeIn } from '../session/barge-in.ts';
import type { TtsControl } from '../session/call-types.ts';
import { PlaybackTracker } from '../session/playback-tracker.ts';
import { ResponseQueue } from '../session/response-queue.ts';
import { Transcript } from '../session/transcript.ts';
import type { TranscribedTurn } from '../speech/caller-turn-audio.ts';
import { InMemoryCallTransport } from './in-memory-transport.ts';

/** A logger that keeps its lines for assertions. */
export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (l: string) => lines.push(l) },
  });
  return { log, lines };
}

/**
 * The audio path of a call with its effects recorded in one ordered list: Twilio's side (an in-memory
 * transport, its clears in `order`), a scripted Realtime session (every client event in `order`), the
 * playback tracker, the response queue and the transcript.
 */
export function audioPath() {
  const order: string[] = [];
  const transport = new InMemoryCallTransport();
  const sendClear = transport.sendClear.bind(transport);
  transport.sendClear = () => {
    order.push('twilio.clear');
    sendClear();
  };
  const rt = new ScriptedRealtimeConnection();
  rt.onSend((e) => order.push(`rt.${e.type}`));
  const playback = new PlaybackTracker();
  const metrics = new VoiceMetrics();
  const audioOut = new AudioOut(transport, playback, metrics);
  const responses = new ResponseQueue({
    canSend: true,
    sessionInstructions: undefined,
    send: (e) => rt.send(e),
  });
  const appServer = new InMemoryAppServer();
  const transcript = new Transcript('CA00000000000000000000000000000001', appServer, () => {});
  const { log, lines } = memoryLogger();
  return { order, transport, rt, playback, metrics, audioOut, responses, appServer, transcript, log, lines };
}

/** A decoded Twilio media frame carrying `payload` at `timestamp`, as loop 1 receives it. */
export function mediaFrame(timestamp: number, payload: string): DecodeResult<TwilioInbound> {
  return {
    ok: true,
    message: {
      event: 'media',
      sequenceNumber: '1',
      streamSid: 'MZ1',
      media: { track: 'inbound', chunk: '1', timestamp, payload },
    } as unknown as TwilioInbound,
  };
}

/** `ms` of base64 mu-law. */
export function mulaw(ms: number, byte = 0x55): string {
  return Buffer.alloc(ms * 8, byte).toString('base64');
}

/**
 * Barge-in on the audio path of {@link audioPath}: its effects in `order` (the caller's activity, the
 * external voice cancelled, the agent interrupted). `tts: false` has no external voice; `session:
 * false`, no live Realtime session. `speak` makes the agent say `frames` × 100 ms of `itemId`.
 */
export function bargeInPath(opts: { tts?: TtsControl | false; session?: boolean } = {}) {
  const p = audioPath();
  const bargeIn = new BargeIn({
    realtime: {
      get current() {
        return opts.session === false ? undefined : p.rt;
      },
    },
    playback: p.playback,
    responses: p.responses,
    audioOut: p.audioOut,
    transcript: p.transcript,
    ...(opts.tts === false ? {} : { tts: opts.tts ?? { cancel: () => void p.order.push('tts.cancel') } }),
    onInterrupted: () => p.order.push('interrupted'),
    onCallerActivity: () => p.order.push('caller.activity'),
    metrics: p.metrics,
    log: p.log,
  });
  const speak = (responseId: string, itemId: string, frames: number) => {
    p.responses.request();
    p.responses.onCreated(responseId);
    p.transcript.open(itemId, 'agent', new Date());
    for (let i = 0; i < frames; i++) p.audioOut.agent(itemId, mulaw(100));
  };
  const marks = () => p.transport.frames('mark').map((m) => m.name);
  return { ...p, bargeIn, speak, marks };
}

/** An external transcription of caller turn `itemId` that came back with `result`. */
export function transcribedTurn(itemId: string, result: TranscriptionResult): TranscribedTurn {
  return { itemId, startMs: 0, durationMs: 1000, latencyMs: 0, truncated: false, result };
}

/** A transcription that heard `text` in `audioSeconds` of audio. */
export function heardWords(
  text: string,
  provider: 'elevenlabs' | 'cartesia' = 'elevenlabs',
  audioSeconds = 1,
): TranscriptionResult {
  return { status: 'ok', provider, text, audioSeconds };
}
