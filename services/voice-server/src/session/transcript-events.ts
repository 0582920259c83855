import type { RealtimeServerEvent } from '@switchboard/realtime';
import type { CallerTurnAudio } from '../speech/caller-turn-audio.ts';
import type { TurnWaterfall } from '../telemetry/call-tracer.ts';
import type { ResponseQueue } from './response-queue.ts';
import type { Transcript } from './transcript.ts';

/**
 * Keeps the transcript from Realtime events: an entry opens when an item first appears (a committed
 * caller turn, an agent output item), so conversation order holds while texts arrive later; texts
 * finalize it. Also measures each reply's latency waterfall from the moment the caller's speech
 * stopped: the model's first audio delta (or, with external TTS, its first text delta and the first
 * synthesized chunk), then the first media frame sent to Twilio.
 */
export class TranscriptEvents {
  private speechStoppedAt: number | undefined;
  /** Wall clock of the same moment (a trace's span starts there). */
  private speechStoppedEpochMs = 0;
  private readonly firstAudioSeen = new Set<string>();
  /** The reply being timed, until its first frame is sent. */
  private turn: (Omit<TurnWaterfall, 'firstFrameMs'> & { stoppedAt: number }) | undefined;

  constructor(
    private readonly transcript: Transcript,
    private readonly responses: ResponseQueue,
    private readonly now: () => number,
    /** Keeps each caller turn's audio until its words are known. */
    private readonly turnAudio?: CallerTurnAudio,
    /** A caller turn's transcript came (or failed). */
    private readonly onCallerText: () => void = () => {},
    /** Told each reply's latency (caller speech stopped → first audio delta), in ms. */
    private readonly onTurnLatency: (ms: number) => void = () => {},
    /** Told each reply's waterfall once its first frame has been sent to Twilio. */
    private readonly onTurn: (turn: TurnWaterfall) => void = () => {},
    /** The Realtime transcript of caller turn `itemId` came or failed (an external one may fill it in). */
    private readonly onRealtimeCallerText: (itemId: string) => void = () => {},
    /** A caller turn's words (the call's language is detected from them). */
    private readonly onCallerWords: (text: string) => void = () => {},
  ) {}

  onSpeechStarted(itemId: string, audioStartMs: unknown): void {
    if (typeof audioStartMs === 'number' && Number.isFinite(audioStartMs))
      this.turnAudio?.onSpeechStarted(itemId, audioStartMs);
  }

  onSpeechStopped(itemId?: string, audioEndMs?: unknown): void {
    this.speechStoppedAt = this.now();
    this.speechStoppedEpochMs = Date.now();
    this.turn = undefined;
    if (itemId !== undefined && typeof audioEndMs === 'number' && Number.isFinite(audioEndMs))
      this.turnAudio?.onSpeechStopped(itemId, audioEndMs);
  }

  /**
   * An audio delta of `itemId` is going out (cheap after the first one). True for the first delta of
   * a reply being timed: call `onAgentFrameSent` once its frame has gone to Twilio.
   */
  onAgentAudio(itemId: string): boolean {
    if (this.firstAudioSeen.has(itemId)) return false;
    this.firstAudioSeen.add(itemId);
    const turn = this.turnOf(itemId);
    if (!turn) return false;
    if (turn.firstAudioMs === undefined) {
      turn.firstAudioMs = this.now() - turn.stoppedAt;
      this.heard(itemId, turn.firstAudioMs, true);
    }
    return true;
  }

  /** External TTS: the model's first text delta of `itemId` arrived. */
  onAgentText(itemId: string): void {
    const turn = this.turnOf(itemId);
    if (turn && turn.firstTextMs === undefined) turn.firstTextMs = this.now() - turn.stoppedAt;
  }

  /** External TTS: the first synthesized chunk of `itemId` arrived (call `onAgentFrameSent` once sent). */
  onSynthesized(itemId: string): void {
    const turn = this.turnOf(itemId);
    if (!turn || turn.firstSynthMs !== undefined) return;
    turn.firstSynthMs = this.now() - turn.stoppedAt;
    if (turn.firstAudioMs === undefined) this.heard(itemId, turn.firstSynthMs, false);
  }

  /** The first media frame of `itemId`'s audio has been sent to Twilio: the waterfall is complete. */
  onAgentFrameSent(itemId: string): void {
    const turn = this.turn;
    if (!turn || turn.itemId !== itemId) return;
    this.turn = undefined;
    const firstFrameMs = this.now() - turn.stoppedAt;
    const msg = this.transcript.get(itemId);
    if (msg) msg.latency = { ...msg.latency, firstFrameMs: Math.round(firstFrameMs) };
    const { stoppedAt: _, ...figures } = turn;
    this.onTurn({ ...figures, firstFrameMs });
  }

  /** The reply `itemId` being timed; the first output after the caller's speech stopped starts it. */
  private turnOf(itemId: string): typeof this.turn {
    if (this.turn?.itemId === itemId) return this.turn;
    if (this.speechStoppedAt === undefined) return undefined;
    this.turn = { itemId, speechStoppedAt: this.speechStoppedEpochMs, stoppedAt: this.speechStoppedAt };
    this.speechStoppedAt = undefined;
    return this.turn;
  }

  /** The reply's first audio (the model's, or synthesized): its latency on the message and the metric. */
  private heard(itemId: string, responseMs: number, fromModel: boolean): void {
    const msg = this.transcript.get(itemId);
    const ms = Math.round(responseMs);
    if (msg) msg.latency = fromModel ? { responseMs: ms, firstAudioMs: ms } : { responseMs: ms };
    this.onTurnLatency(responseMs);
  }

  /** Handles the transcript's events; false for any other event. */
  onEvent(ev: RealtimeServerEvent): boolean {
    const { transcript } = this;
    switch (ev.type) {
      case 'response.output_item.added':
        if (ev.item.type === 'message' && ev.item.id) transcript.open(ev.item.id, 'agent', new Date());
        return true;
      case 'response.output_audio_transcript.done': {
        const cancelled = this.responses.isCancelled(ev.response_id);
        transcript.open(ev.item_id, 'agent', new Date());
        transcript.finalize(ev.item_id, ev.transcript, cancelled ? { interrupted: true } : {});
        return true;
      }
      case 'response.output_text.done': {
        // A text response (the external voice speaks it): its text is the agent's words.
        const cancelled = this.responses.isCancelled(ev.response_id);
        transcript.open(ev.item_id, 'agent', new Date());
        transcript.finalize(ev.item_id, ev.text, cancelled ? { interrupted: true } : {});
        return true;
      }
      case 'input_audio_buffer.committed':
        transcript.open(ev.item_id, 'caller', new Date());
        this.turnAudio?.onCommitted(ev.item_id);
        return true;
      case 'input_audio_buffer.cleared':
        this.turnAudio?.onCleared();
        return true;
      case 'conversation.item.input_audio_transcription.completed':
        transcript.finalize(ev.item_id, ev.transcript, { source: 'realtime' });
        this.turnAudio?.forget(ev.item_id);
        this.onCallerText();
        this.onRealtimeCallerText(ev.item_id);
        this.onCallerWords(ev.transcript);
        return true;
      case 'conversation.item.input_audio_transcription.failed':
        // The turn stays on the conversation, in its place, marked: never dropped.
        transcript.open(ev.item_id, 'caller', new Date());
        transcript.finalize(ev.item_id, null, { source: 'realtime', transcription: 'failed' });
        this.onCallerText();
        this.onRealtimeCallerText(ev.item_id);
        return true;
      case 'conversation.item.done': {
        const item = ev.item;
        if (item.type === 'message' && item.role === 'user' && item.id && transcript.get(item.id)) {
          const part = item.content?.find((c) => 'transcript' in c && c.transcript);
          const text = part && 'transcript' in part ? (part.transcript ?? null) : null;
          if (text) transcript.finalize(item.id, text);
        }
        return true;
      }
      default:
        return false;
    }
  }
}
