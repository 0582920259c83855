/** Building the results of a Transcriber (shared by the provider adapters). */
import { MULAW_SAMPLE_RATE } from '@switchboard/telephony';
import type { TranscriberErrorCode, TranscriberProvider, TranscriptionResult } from '../ports/transcriber.ts';

/** Seconds of 8 kHz mu-law audio. */
export function mulawSeconds(bytes: number): number {
  return bytes / MULAW_SAMPLE_RATE;
}

/** `ok` with the text, or `empty` when it holds no words. */
export function transcribed(
  provider: TranscriberProvider,
  text: string,
  audioSeconds: number,
): TranscriptionResult {
  const clean = text.trim();
  return clean === ''
    ? { status: 'empty', provider, audioSeconds }
    : { status: 'ok', provider, text: clean, audioSeconds };
}

/** A failure; `retryable` follows the status when there is one (5xx and 429 are worth a retry). */
export function failed(
  provider: TranscriberProvider,
  code: TranscriberErrorCode,
  message: string,
  audioSeconds: number,
  status?: number,
): TranscriptionResult {
  const retryable = status === undefined ? code !== 'malformed_response' : status >= 500 || status === 429;
  return {
    status: 'failed',
    provider,
    audioSeconds,
    error: { code, message: message.slice(0, 300), retryable, ...(status === undefined ? {} : { status }) },
  };
}
