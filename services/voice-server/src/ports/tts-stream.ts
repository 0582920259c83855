/**
 * External text-to-speech for one call (a brand's own voice): the model's text goes in as it streams,
 * G.711 mu-law 8 kHz audio comes out with the characters each chunk speaks. Implemented over
 * ElevenLabs' multi-context stream-input WebSocket (speech/elevenlabs-tts.ts).
 *
 * A turn is one response's speech. Turns play in the order they were started: audio of a later turn
 * waits until the earlier ones are done. Nothing here throws into the caller: failures arrive as
 * events, and once the stream is `unavailable` every call is a no-op (the call falls back to the
 * model's own audio).
 */

/** A voice as a bot profile sets it; `settings` left out use the voice's stored settings. */
export interface TtsVoice {
  voiceId: string;
  settings?: TtsVoiceSettings;
}

/** ElevenLabs voice settings (ranges as ElevenLabs documents them). */
export interface TtsVoiceSettings {
  /** 0–1. */
  stability?: number;
  /** 0–1. */
  similarityBoost?: number;
  /** 0–1. */
  style?: number;
  useSpeakerBoost?: boolean;
  /** 0.7–1.2. */
  speed?: number;
}

/**
 * Which characters a chunk speaks, and when, in milliseconds from the start of that chunk's audio
 * (the three arrays have one entry per character).
 */
export interface TtsAlignment {
  chars: string[];
  charStartTimesMs: number[];
  charDurationsMs: number[];
}

/** Why something failed. `retryable` is false when a retry cannot help (a refused key or voice). */
export interface TtsError {
  code: TtsErrorCode;
  message: string;
  retryable: boolean;
}

export type TtsErrorCode =
  /** The provider sent something that is not a message of the protocol; it was dropped. */
  | 'malformed_message'
  /** The provider reported an error in a message. */
  | 'provider_error'
  /** The socket could not be opened (network, 5xx), or the handshake was refused (4xx). */
  | 'connect_failed'
  /** The socket closed while a turn was being spoken. */
  | 'socket_closed'
  /** More turns were open at once than the provider allows; the oldest was given up. */
  | 'too_many_turns';

export type TtsStreamEvent =
  /**
   * One chunk of a turn's audio: base64 mu-law 8 kHz, ready for a Twilio media frame. `alignment` is
   * null when the provider sent none (or an unreadable one) for this chunk.
   */
  | { type: 'audio'; turnId: string; payload: string; bytes: number; alignment: TtsAlignment | null }
  /** Every chunk of the turn has been delivered. */
  | { type: 'turn_done'; turnId: string }
  /** The turn cannot finish (its socket failed); no more of its audio follows. */
  | { type: 'turn_failed'; turnId: string; error: TtsError }
  /** Something went wrong that the stream survived (a malformed message was dropped). */
  | { type: 'error'; error: TtsError }
  /** The stream gave up: speak with the model's own audio for the rest of the call. Sent once, last. */
  | { type: 'unavailable'; error: TtsError };

/** What a call's TTS stream has used, for cost attribution. */
export interface TtsUsage {
  /** Characters sent to the provider for synthesis (what it bills, at most). */
  charactersSynthesized: number;
}

/** One call's external TTS. */
export interface TtsStream {
  /**
   * Starts a turn (a response's speech) under the caller's id (e.g. the response's output item id).
   * An id already used is ignored.
   */
  startTurn(turnId: string): void;
  /** Adds text to a turn; ignored for a turn that is not open (cancelled, flushed, unknown). */
  pushText(turnId: string, delta: string): void;
  /** The turn's text is complete (the response is done): speak all of it. */
  flush(turnId: string): void;
  /**
   * Barge-in: cancels every turn not yet done, at once. No audio of a cancelled turn is delivered
   * after this returns, and none of them gets `turn_done`.
   */
  cancel(): void;
  /** Ends the stream; no event follows. */
  close(): void;
  /** False once the stream is unavailable or closed. */
  readonly available: boolean;
  readonly usage: TtsUsage;
}

/** Events are delivered synchronously, in order, to the one listener given when the stream is made. */
export type TtsStreamListener = (event: TtsStreamEvent) => void;

/** Opens one call's TTS stream with a profile's voice. */
export type TtsStreamFactory = (voice: TtsVoice, listener: TtsStreamListener) => TtsStream;
