import type { TranscriberProvider } from '../ports/transcriber.ts';
import type { TranscribedTurn } from '../speech/caller-turn-audio.ts';
import type { Transcript } from './transcript.ts';

/** External transcripts held until the Realtime one of their turn is known. */
const MAX_HELD = 16;

/**
 * Puts an external transcriber's text on the caller's turns. The Realtime transcript stays first: an
 * external one that came too is kept beside it (`transcriberText`); when the Realtime one came back
 * empty or failed, the external text becomes the turn's text, marked `source: 'transcriber'` with its
 * provider. Either may come first, and both may come after the agent's reply: the turn keeps the place
 * it got when it was committed (its sequence), so conversation order holds.
 */
export class CallerTranscripts {
  private readonly held = new Map<string, TranscribedTurn>();
  private seconds = 0;
  private filled = 0;

  constructor(
    private readonly transcript: Transcript,
    /** Told of each turn's transcription (the audio it sent, for cost; the outcome, for metrics). */
    private readonly onTranscribed: (turn: TranscribedTurn) => void = () => {},
  ) {}

  /** Audio sent to the external transcriber in this call, in seconds. */
  get audioSecondsTranscribed(): number {
    return this.seconds;
  }

  /** Caller turns whose text came from the external transcriber. */
  get turnsFilled(): number {
    return this.filled;
  }

  /** An external transcription finished (in the background). */
  onExternal(turn: TranscribedTurn): void {
    this.seconds += turn.result.audioSeconds;
    this.onTranscribed(turn);
    if (turn.result.status !== 'ok') return;
    if (!this.apply(turn)) {
      this.held.set(turn.itemId, turn);
      if (this.held.size > MAX_HELD) this.held.delete(this.held.keys().next().value!);
    }
  }

  /** The Realtime transcript of `itemId` came (or failed). */
  onRealtimeDone(itemId: string): void {
    const turn = this.held.get(itemId);
    if (turn && this.apply(turn)) this.held.delete(itemId);
  }

  /** The call is over: a turn whose Realtime transcript never came takes the external one. */
  settle(): void {
    for (const turn of this.held.values()) this.apply(turn, true);
    this.held.clear();
  }

  /** False while the Realtime transcript of the turn is still to come. */
  private apply(turn: TranscribedTurn, final = false): boolean {
    if (turn.result.status !== 'ok') return true;
    const msg = this.transcript.get(turn.itemId);
    if (!msg) return final;
    if (msg.role !== 'caller') return true;
    const provider: TranscriberProvider = turn.result.provider;
    const text = turn.result.text;
    const realtimePending = msg.text === null && !msg.transcription;
    if (realtimePending && !final) return false;
    if (msg.text === null || msg.text.trim() === '') {
      this.filled++;
      this.transcript.amend(turn.itemId, { text, source: 'transcriber', transcriber: provider });
    } else {
      this.transcript.amend(turn.itemId, { transcriber: provider, transcriberText: text });
    }
    return true;
  }
}
