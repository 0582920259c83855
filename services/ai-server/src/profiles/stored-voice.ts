/**
 * Voices as stored before ElevenLabs settings moved to `voice.settings`: `{provider: "elevenlabs",
 * voiceId, speed?, elevenlabs?: {modelId?, stability?, similarityBoost?, style?, useSpeakerBoost?}}`.
 * The `voice_settings` migration rewrites stored rows; this reads a row an older replica wrote after
 * it (a rolling deploy) the same way, so the call path only ever sees the current shape.
 */
import type { ElevenLabsVoiceSettings, VoiceConfig } from '@switchboard/service-kit/clients/ai-server';
import { ELEVENLABS_SETTING_RANGES } from './voice-schema.ts';

type Stored = Record<string, unknown>;

const isRecord = (v: unknown): v is Stored => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The stored voice in the current shape (a legacy ElevenLabs voice converted; anything else as it is). */
export function currentVoice(stored: unknown): VoiceConfig {
  if (!isRecord(stored) || stored.provider !== 'elevenlabs') return stored as unknown as VoiceConfig;
  if (!('elevenlabs' in stored) && !('speed' in stored)) return stored as unknown as VoiceConfig;
  const { elevenlabs, speed, ...rest } = stored;
  const legacy = isRecord(elevenlabs) ? elevenlabs : {};
  const settings: ElevenLabsVoiceSettings = { ...(isRecord(rest.settings) ? rest.settings : {}) };
  for (const k of ['stability', 'similarityBoost', 'style'] as const)
    if (finite(legacy[k]) && settings[k] === undefined) settings[k] = legacy[k];
  if (typeof legacy.useSpeakerBoost === 'boolean' && settings.useSpeakerBoost === undefined)
    settings.useSpeakerBoost = legacy.useSpeakerBoost;
  // The old speed (0.25–4) is brought into ElevenLabs' range; modelId is dropped (voice-server picks
  // the TTS model by its own configuration and never read it).
  if (finite(speed) && settings.speed === undefined) {
    const { min, max } = ELEVENLABS_SETTING_RANGES.speed;
    settings.speed = Math.min(max, Math.max(min, speed));
  }
  return {
    ...(rest as { voiceId: string }),
    provider: 'elevenlabs',
    ...(Object.keys(settings).length ? { settings } : {}),
  };
}
