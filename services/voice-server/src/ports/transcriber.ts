/**
 * Transcription of one committed caller turn, in the background, by an external speech-to-text
 * provider (Cartesia ink-whisper, ElevenLabs Scribe; see speech/). `transcribe` never rejects: a
 * provider that fails, times out or answers nonsense gives a `failed` result.
 */

/** The audio of one caller turn. */
export interface TurnAudio {
  /** The Realtime conversation item the turn was committed as. */
  itemId: string;
  /** G.711 mu-law, 8 kHz, mono, as the caller's frames carried it. */
  mulaw: Uint8Array;
  /** The language the caller speaks (ISO 639-1, e.g. `es`), from the profile; absent: the provider's default. */
  language?: string;
}

export type TranscriberProvider = 'cartesia' | 'elevenlabs';

export type TranscriptionResult =
  | { status: 'ok'; provider: TranscriberProvider; text: string; audioSeconds: number }
  /** The provider heard no words. */
  | { status: 'empty'; provider: TranscriberProvider; audioSeconds: number }
  | { status: 'failed'; provider: TranscriberProvider; error: TranscriberError; audioSeconds: number };

/**
 * Why a transcription failed. `retryable` is false when the same request cannot succeed (a refused
 * key, audio the provider cannot read).
 */
export interface TranscriberError {
  code: TranscriberErrorCode;
  message: string;
  retryable: boolean;
  /** The provider's HTTP or close status, when there was one. */
  status?: number;
}

export type TranscriberErrorCode =
  | 'timeout'
  | 'aborted'
  /** The connection or request could not be made, or the socket closed before the transcript. */
  | 'connect_failed'
  /** The provider answered with an error. */
  | 'provider_error'
  /** The provider answered with something that is not a message of its protocol. */
  | 'malformed_response';

/** One provider's transcriber. */
export interface Transcriber {
  readonly provider: TranscriberProvider;
  /**
   * Transcribes a turn. `audioSeconds` is the audio the provider received (what it bills): the turn's
   * length once it was sent, 0 when it never was.
   */
  transcribe(audio: TurnAudio, signal?: AbortSignal): Promise<TranscriptionResult>;
}
