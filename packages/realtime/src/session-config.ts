import type { RealtimeFunctionTool, RealtimeSessionCreateRequest } from './types.ts';

/** Server VAD threshold tuned high for phone lines, so background noise does not barge in. */
export const PHONE_VAD_THRESHOLD = 0.9;

export interface PhoneSessionOptions {
  instructions: string;
  voice?: string;
  /** 0.25 to 1.5; 1 is normal speed. */
  speed?: number;
  vadThreshold?: number;
  prefixPaddingMs?: number;
  silenceDurationMs?: number;
  tools?: RealtimeFunctionTool[];
  /** Text-only output, for brands whose voice comes from an external TTS. */
  textOnly?: boolean;
  /** Asks the Realtime API for caller transcripts with this model (e.g. gpt-4o-mini-transcribe). */
  inputTranscriptionModel?: string;
  /** The caller's language as a hint for transcription (ISO-639-1, e.g. `en`). */
  inputTranscriptionLanguage?: string;
}

/** Models the Realtime API transcribes caller audio with (`audio.input.transcription.model`). */
export const REALTIME_TRANSCRIPTION_MODELS = [
  'gpt-4o-mini-transcribe',
  'gpt-4o-transcribe',
  'whisper-1',
] as const;

/**
 * The `session.update` payload for a phone call: G.711 mu-law in and out (no resampling anywhere),
 * server VAD, near-field noise reduction for a handset held to the face.
 */
export function phoneSessionConfig(opts: PhoneSessionOptions): RealtimeSessionCreateRequest {
  const session: RealtimeSessionCreateRequest = {
    type: 'realtime',
    instructions: opts.instructions,
    output_modalities: opts.textOnly ? ['text'] : ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcmu' },
        noise_reduction: { type: 'near_field' },
        turn_detection: {
          type: 'server_vad',
          threshold: opts.vadThreshold ?? PHONE_VAD_THRESHOLD,
          prefix_padding_ms: opts.prefixPaddingMs ?? 300,
          silence_duration_ms: opts.silenceDurationMs ?? 500,
          create_response: true,
          // The bridge owns barge-in (cancel, clear, truncate together); a server-side interrupt
          // would race its response.cancel.
          interrupt_response: false,
        },
        ...(opts.inputTranscriptionModel
          ? {
              transcription: {
                model: opts.inputTranscriptionModel,
                ...(opts.inputTranscriptionLanguage ? { language: opts.inputTranscriptionLanguage } : {}),
              },
            }
          : {}),
      },
      output: {
        format: { type: 'audio/pcmu' },
        ...(opts.voice ? { voice: opts.voice } : {}),
        ...(opts.speed !== undefined ? { speed: opts.speed } : {}),
      },
    },
    tools: opts.tools ?? [],
    tool_choice: 'auto',
  };
  return session;
}
