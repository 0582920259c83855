/**
 * A profile's voice and transcriber: their JSON schemas (what OpenAPI 3.0 can say) and the checks that
 * depend on the provider (which OpenAPI 3.0 can't: no if/then), each naming the field. The OpenAI
 * values are the Realtime API's own (`@switchboard/realtime`); the ElevenLabs ranges are the
 * VoiceSettings of ElevenLabs' API reference ("Get voice settings") and of `@elevenlabs/elevenlabs-js`.
 */

import { REALTIME_SPEED, REALTIME_TRANSCRIPTION_MODELS, REALTIME_VOICES } from '@switchboard/realtime';
import type { TranscriberConfig, VoiceConfig } from '@switchboard/service-kit/clients/ai-server';

/** ElevenLabs voice settings: each optional, each within the range ElevenLabs documents. */
export const ELEVENLABS_SETTING_RANGES = {
  stability: { min: 0, max: 1 },
  similarityBoost: { min: 0, max: 1 },
  style: { min: 0, max: 1 },
  speed: { min: 0.7, max: 1.2 },
} as const;

/** An ElevenLabs voice id: letters and digits (ElevenLabs' ids are 20 of them). */
export const ELEVENLABS_VOICE_ID = /^[A-Za-z0-9]+$/;

const range = (r: { min: number; max: number }) =>
  ({ type: 'number', minimum: r.min, maximum: r.max }) as const;

/**
 * `{provider: "openai", voiceId, speed?}` or `{provider: "elevenlabs", voiceId, settings?}`; the
 * schema holds every field, {@link voiceProblems} what belongs to which provider.
 */
export const voiceSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['provider', 'voiceId'],
  properties: {
    provider: { type: 'string', enum: ['openai', 'elevenlabs'] },
    voiceId: { type: 'string', minLength: 1, maxLength: 128 },
    /** OpenAI voices only. */
    speed: range(REALTIME_SPEED),
    /** ElevenLabs voices only. */
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        stability: range(ELEVENLABS_SETTING_RANGES.stability),
        similarityBoost: range(ELEVENLABS_SETTING_RANGES.similarityBoost),
        style: range(ELEVENLABS_SETTING_RANGES.style),
        useSpeakerBoost: { type: 'boolean' },
        speed: range(ELEVENLABS_SETTING_RANGES.speed),
      },
    },
  },
} as const;

/** Who transcribes the caller; null for the Realtime session's own default. */
export const transcriberSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['provider'],
  properties: {
    provider: { type: 'string', enum: ['openai', 'cartesia', 'elevenlabs'] },
    /** For `openai`: gpt-4o-mini-transcribe, gpt-4o-transcribe or whisper-1. */
    model: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$' },
    language: { type: 'string', maxLength: 16 },
  },
} as const;

/** What of a (schema-valid) voice its provider does not take; messages name the field. */
export function voiceProblems(voice: VoiceConfig | undefined): string[] {
  if (!voice) return [];
  const given = voice as VoiceConfig & { speed?: unknown; settings?: unknown };
  if (voice.provider === 'openai') {
    const problems: string[] = [];
    if (!(REALTIME_VOICES as readonly string[]).includes(voice.voiceId))
      problems.push(`body.voice.voiceId must be a Realtime voice (${REALTIME_VOICES.join(', ')})`);
    if (given.settings !== undefined) problems.push('body.voice.settings is only for ElevenLabs voices');
    return problems;
  }
  const problems: string[] = [];
  if (!ELEVENLABS_VOICE_ID.test(voice.voiceId))
    problems.push('body.voice.voiceId must be letters and digits for an ElevenLabs voice');
  if (given.speed !== undefined)
    problems.push('body.voice.speed is not allowed for an ElevenLabs voice; use body.voice.settings.speed');
  return problems;
}

/** What of a (schema-valid) transcriber its provider does not take. */
export function transcriberProblems(t: TranscriberConfig | null | undefined): string[] {
  if (t?.provider !== 'openai' || t.model === undefined) return [];
  return (REALTIME_TRANSCRIPTION_MODELS as readonly string[]).includes(t.model)
    ? []
    : [`body.transcriber.model must be one of ${REALTIME_TRANSCRIPTION_MODELS.join(', ')} for openai`];
}
