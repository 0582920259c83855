/**
 * Transcriber over ElevenLabs Scribe (`POST /v1/speech-to-text`) through the `@elevenlabs/elevenlabs-js`
 * SDK's `speechToText.convert`. The turn's mu-law goes up as it is, in a WAV container (G.711 mu-law,
 * 8 kHz), since a file without a header cannot be told apart from other raw audio.
 */
import { ElevenLabsClient, ElevenLabsError, ElevenLabsTimeoutError } from '@elevenlabs/elevenlabs-js';
import { writeWav } from '@switchboard/telephony';
import type { Transcriber, TranscriptionResult, TurnAudio } from '../ports/transcriber.ts';
import { failed, mulawSeconds, transcribed } from './transcription-result.ts';

/** Options of the Scribe transcriber (the lead's config supplies the key and base URL). */
export interface ScribeTranscriberOptions {
  apiKey: string;
  /** `ELEVENLABS_BASE_URL`, e.g. `https://api.elevenlabs.io`. */
  baseUrl: string;
  /** Default `scribe_v1`. */
  modelId?: string;
  /** ISO language code; default: Scribe detects it. */
  languageCode?: string;
  /** Gives up on a turn after this long, retries included; default 15000. */
  timeoutMs?: number;
  /** Retries of a 5xx or 429 answer (the SDK's, with back-off); default 1. */
  maxRetries?: number;
}

/** ElevenLabs Scribe, one request per turn. */
export class ScribeTranscriber implements Transcriber {
  readonly provider = 'elevenlabs' as const;
  private readonly client: ElevenLabsClient;
  private readonly opts: Required<Omit<ScribeTranscriberOptions, 'languageCode'>> & { languageCode?: string };

  constructor(opts: ScribeTranscriberOptions) {
    this.opts = { modelId: 'scribe_v1', timeoutMs: 15_000, maxRetries: 1, ...opts };
    this.client = new ElevenLabsClient({ apiKey: opts.apiKey, baseUrl: opts.baseUrl });
  }

  async transcribe(audio: TurnAudio, signal?: AbortSignal): Promise<TranscriptionResult> {
    if (signal?.aborted) return failed('elevenlabs', 'aborted', 'the transcription was aborted', 0);
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const abortSignal = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const file = new File(
      [writeWav({ format: 'mulaw', sampleRate: 8000, channels: 1, data: audio.mulaw })],
      'turn.wav',
      { type: 'audio/wav' },
    );
    try {
      const answer: unknown = await this.client.speechToText.convert(
        {
          modelId: this.opts.modelId,
          file,
          tagAudioEvents: false,
          ...(audio.language || this.opts.languageCode
            ? { languageCode: audio.language ?? this.opts.languageCode }
            : {}),
        },
        { abortSignal, maxRetries: this.opts.maxRetries, timeoutInSeconds: this.opts.timeoutMs / 1000 },
      );
      const text = (answer as { text?: unknown } | null)?.text;
      if (typeof text !== 'string') {
        return failed('elevenlabs', 'malformed_response', 'a Scribe answer without a text', 0);
      }
      return transcribed('elevenlabs', text, mulawSeconds(audio.mulaw.length));
    } catch (e) {
      if (signal?.aborted) return failed('elevenlabs', 'aborted', 'the transcription was aborted', 0);
      if (timeout.aborted || e instanceof ElevenLabsTimeoutError) {
        return failed('elevenlabs', 'timeout', `no transcript within ${this.opts.timeoutMs} ms`, 0);
      }
      return failureOf(e);
    }
  }
}

/** What went wrong, from the SDK's error; the message never carries the request (nor its key). */
function failureOf(e: unknown): TranscriptionResult {
  if (e instanceof ElevenLabsError && e.statusCode !== undefined) {
    if (e.statusCode >= 200 && e.statusCode < 300) {
      return failed('elevenlabs', 'malformed_response', 'a Scribe answer that is not JSON', 0);
    }
    return failed(
      'elevenlabs',
      'provider_error',
      `Scribe answered HTTP ${e.statusCode}${detailOf(e.body)}`,
      0,
      e.statusCode,
    );
  }
  const name = e instanceof Error ? e.name : '';
  if (name === 'ParseError' || name === 'JsonError') {
    return failed('elevenlabs', 'malformed_response', 'a Scribe answer that does not match its schema', 0);
  }
  return failed(
    'elevenlabs',
    'connect_failed',
    `could not reach Scribe: ${e instanceof Error ? e.message : String(e)}`,
    0,
  );
}

/** `: status message` from an ElevenLabs error body (`{detail: {status, message}}`), when it has one. */
function detailOf(body: unknown): string {
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return '';
  const { status, message } = detail as Record<string, unknown>;
  const parts = [status, message].filter((x): x is string => typeof x === 'string');
  return parts.length > 0 ? `: ${parts.join(' ')}` : '';
}
