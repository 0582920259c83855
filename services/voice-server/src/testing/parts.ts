// Doubles for testing one part of a call alone, without a session or sockets.

import { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import { createLogger, type Logger } from '@switchboard/service-kit';
import { VoiceMetrics } from '../metrics.ts';
import { InMemoryAppServer } from '../ports/in-memory-app-server.ts';
import { AudioOut } from '../session/audio-out.ts';
import { PlaybackTracker } from '../session/playback-tracker.ts';
import { ResponseQueue } from '../session/response-queue.ts';
import { Transcript } from '../session/transcript.ts';
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

/** `ms` of base64 mu-law. */
export function mulaw(ms: number, byte = 0x55): string {
  return Buffer.alloc(ms * 8, byte).toString('base64');
}
