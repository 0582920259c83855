/**
 * ElevenLabs' multi-context text-to-speech WebSocket (`/v1/text-to-speech/{voice_id}/multi-stream-input`),
 * as pure functions: the socket URL, the client messages (snake_case, as the SDK's serialisers write
 * them) and a total parser for server messages. Sources: ElevenLabs API reference, "Multi-Context
 * WebSocket", and the `@elevenlabs/elevenlabs-js` types (`InitializeConnectionMulti`, `SendTextMulti`,
 * `CloseContext`, `CloseSocket`, `AudioOutputMulti`, `FinalOutputMulti`).
 */

import { isBase64 } from '@switchboard/telephony';
import type { TtsAlignment, TtsVoiceSettings } from '../ports/tts-stream.ts';
import { base64Bytes } from './base64.ts';
import { readJsonObject } from './json-object.ts';

/** The chunk schedule the product uses (also ElevenLabs' documented default). */
export const CHUNK_LENGTH_SCHEDULE: readonly number[] = [120, 160, 250, 290];
/** The lowest-latency model that supports multi-context sockets. */
export const DEFAULT_TTS_MODEL = 'eleven_flash_v2_5';
/** The longest `inactivity_timeout` the API takes (seconds). */
export const MAX_INACTIVITY_TIMEOUT_S = 180;

/** What a socket is opened with. */
export interface TtsSocketParams {
  voiceId: string;
  modelId: string;
  inactivityTimeoutS: number;
}

/**
 * The socket URL under `baseUrl` (`ELEVENLABS_BASE_URL`, http(s) or ws(s)): mu-law 8 kHz output and
 * alignment with every chunk (`sync_alignment`), which is what keeps the spoken text.
 */
export function ttsSocketUrl(baseUrl: string, p: TtsSocketParams): string {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  base.protocol = base.protocol === 'http:' || base.protocol === 'ws:' ? 'ws:' : 'wss:';
  const url = new URL(`v1/text-to-speech/${encodeURIComponent(p.voiceId)}/multi-stream-input`, base);
  url.searchParams.set('model_id', p.modelId);
  url.searchParams.set('output_format', 'ulaw_8000');
  url.searchParams.set('inactivity_timeout', String(p.inactivityTimeoutS));
  url.searchParams.set('sync_alignment', 'true');
  return url.toString();
}

/** A context's first message: a single space, the voice settings and the chunk schedule. */
export function initContextMessage(
  contextId: string,
  settings: TtsVoiceSettings | undefined,
  schedule: readonly number[],
): Record<string, unknown> {
  const message: Record<string, unknown> = { text: ' ', context_id: contextId };
  const voice = voiceSettingsWire(settings);
  if (voice) message.voice_settings = voice;
  message.generation_config = { chunk_length_schedule: [...schedule] };
  return message;
}

/** Text for a context; `flush` generates everything buffered (the end of a response). */
export function textMessage(contextId: string, text: string, flush: boolean): Record<string, unknown> {
  return flush ? { text, context_id: contextId, flush: true } : { text, context_id: contextId };
}

/** Closes a context: the API stops generating for it (a barge-in, or a turn fully received). */
export function closeContextMessage(contextId: string): Record<string, unknown> {
  return { context_id: contextId, close_context: true };
}

function voiceSettingsWire(s: TtsVoiceSettings | undefined): Record<string, unknown> | null {
  if (!s) return null;
  const out: Record<string, unknown> = {};
  if (s.stability !== undefined) out.stability = s.stability;
  if (s.similarityBoost !== undefined) out.similarity_boost = s.similarityBoost;
  if (s.style !== undefined) out.style = s.style;
  if (s.useSpeakerBoost !== undefined) out.use_speaker_boost = s.useSpeakerBoost;
  if (s.speed !== undefined) out.speed = s.speed;
  return Object.keys(out).length > 0 ? out : null;
}

/** A server message, checked. */
export type TtsServerMessage =
  | {
      kind: 'audio';
      contextId: string;
      /** Base64 mu-law, as sent. */
      payload: string;
      bytes: number;
      alignment: TtsAlignment | null;
      /** Why the alignment was unusable, when it was sent but could not be read. */
      alignmentProblem?: string;
    }
  | { kind: 'final'; contextId: string }
  /** A message without audio or finality (an empty audio field): nothing to do. */
  | { kind: 'empty'; contextId: string }
  | { kind: 'error'; message: string }
  | { kind: 'malformed'; reason: string };

/** Parses one server message; never throws. Malformed input comes back as `{kind: 'malformed'}`. */
export function parseTtsServerMessage(raw: string): TtsServerMessage {
  const read = readJsonObject(raw);
  if ('reason' in read) return { kind: 'malformed', reason: read.reason };
  const o = read.object;
  // Errors come as {message, error, code} before the API closes the socket.
  if (typeof o.error === 'string' || (typeof o.message === 'string' && !('audio' in o))) {
    const text = [o.error, o.message].filter((x) => typeof x === 'string').join(': ');
    return { kind: 'error', message: text.slice(0, 300) };
  }
  const contextId = o.contextId ?? o.context_id;
  if (typeof contextId !== 'string')
    return { kind: 'malformed', reason: 'contextId missing or not a string' };
  const isFinal = o.isFinal ?? o.is_final;
  if (isFinal === true) return { kind: 'final', contextId };
  if (isFinal !== undefined && isFinal !== null && isFinal !== false) {
    return { kind: 'malformed', reason: 'isFinal not a boolean' };
  }
  const audio = o.audio;
  if (audio === undefined || audio === null || audio === '') return { kind: 'empty', contextId };
  if (typeof audio !== 'string') return { kind: 'malformed', reason: 'audio not a string' };
  if (!isBase64(audio)) return { kind: 'malformed', reason: 'audio not base64' };
  const bytes = base64Bytes(audio);
  const aligned = readAlignment(o.alignment);
  return typeof aligned === 'string'
    ? { kind: 'audio', contextId, payload: audio, bytes, alignment: null, alignmentProblem: aligned }
    : { kind: 'audio', contextId, payload: audio, bytes, alignment: aligned };
}

/** The alignment, null when absent, or why it cannot be used. */
function readAlignment(a: unknown): TtsAlignment | null | string {
  if (a === undefined || a === null) return null;
  if (typeof a !== 'object' || Array.isArray(a)) return 'alignment not an object';
  const { chars, charStartTimesMs, charDurationsMs } = a as Record<string, unknown>;
  if (!Array.isArray(chars) || !chars.every((c) => typeof c === 'string')) {
    return 'alignment.chars not a list of strings';
  }
  if (!isNumberList(charStartTimesMs) || !isNumberList(charDurationsMs)) {
    return 'alignment times not lists of numbers';
  }
  if (charStartTimesMs.length !== chars.length || charDurationsMs.length !== chars.length) {
    return 'alignment lists of different lengths';
  }
  return { chars: chars as string[], charStartTimesMs, charDurationsMs };
}

function isNumberList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * Splits streamed text at its last whitespace: the words before it can be sent now, the rest waits
 * for the next delta (ElevenLabs asks for text that ends at a word).
 */
export function splitAtLastSpace(text: string): [ready: string, rest: string] {
  const at = text.search(LAST_SPACE);
  return at < 0 ? ['', text] : [text.slice(0, at + 1), text.slice(at + 1)];
}

/** Characters that are spoken (not whitespace): what the alignment of a turn adds up to. */
export function spokenLength(text: string): number {
  return text.length - (text.match(SPACES)?.length ?? 0);
}

const LAST_SPACE = /\s\S*$/;
const SPACES = /\s/g;
