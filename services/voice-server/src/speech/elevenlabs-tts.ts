/**
 * TtsStream over ElevenLabs' multi-context WebSocket, spoken with `ws` (the `@elevenlabs/elevenlabs-js`
 * SDK has no client for these sockets; its types give the wire names). One socket per call; each turn
 * is a context, so a barge-in closes the turn's context and the socket goes on serving the next one.
 *
 * - Audio of a cancelled turn is dropped here as well as closed at the API: once `cancel()` returns,
 *   no chunk of it reaches the listener, whatever is still on the wire.
 * - A turn is done when the alignment has covered every character sent, when the API sends the
 *   context's `isFinal`, or `turnIdleMs` after the last of its audio once it was flushed.
 * - The socket failing (or closing) while a turn is open, or failing to open: the open turns fail and
 *   the socket is opened again once (`maxReconnects`); the next failure makes the stream unavailable.
 *   A refused handshake (4xx: key, voice, model) makes it unavailable at once. A socket that closes
 *   while idle (the API's inactivity timeout) is reopened by the next turn, at no cost.
 */
import WebSocket, { type RawData } from 'ws';
import type {
  TtsError,
  TtsErrorCode,
  TtsStream,
  TtsStreamEvent,
  TtsStreamFactory,
  TtsStreamListener,
  TtsUsage,
  TtsVoice,
} from '../ports/tts-stream.ts';
import {
  CHUNK_LENGTH_SCHEDULE,
  closeContextMessage,
  DEFAULT_TTS_MODEL,
  initContextMessage,
  MAX_INACTIVITY_TIMEOUT_S,
  parseTtsServerMessage,
  splitAtLastSpace,
  spokenLength,
  textMessage,
  ttsSocketUrl,
} from './elevenlabs-tts-protocol.ts';

/** Options of the ElevenLabs TTS adapter (the lead's config supplies the key and base URL). */
export interface ElevenLabsTtsOptions {
  apiKey: string;
  /** `ELEVENLABS_BASE_URL`, e.g. `https://api.elevenlabs.io`. */
  baseUrl: string;
  /** Default `eleven_flash_v2_5`. */
  modelId?: string;
  /** Default [120, 160, 250, 290]. */
  chunkLengthSchedule?: readonly number[];
  /** Seconds without a message before the API closes the socket; default 180 (its maximum). */
  inactivityTimeoutS?: number;
  /** Gives up opening a socket after this long; default 5000. */
  connectTimeoutMs?: number;
  /** A flushed turn with no new audio for this long is done; default 3000. */
  turnIdleMs?: number;
  /** Sockets opened again after a failure, per call; default 1. */
  maxReconnects?: number;
}

/** The API allows 5 contexts per socket; one is kept free for the turn being started. */
const MAX_OPEN_TURNS = 4;
/** Contexts remembered after they ended, so their late audio is dropped quietly. */
const MAX_ENDED_CONTEXTS = 32;

type Phase = 'open' | 'flushed' | 'received' | 'ended';

interface Turn {
  id: string;
  contextId: string;
  phase: Phase;
  /** The end of the last delta, after its last space: sent with the next delta or the flush. */
  pending: string;
  /** Spoken (non-space) characters sent, and covered by the alignment so far. */
  spokenSent: number;
  spokenAligned: number;
  /** Audio that arrived while an earlier turn was still playing. */
  held: Array<Extract<TtsStreamEvent, { type: 'audio' }>>;
  idleTimer: ReturnType<typeof setTimeout> | null;
}

/** A TtsStreamFactory for ElevenLabs with fixed options. */
export function elevenLabsTts(options: ElevenLabsTtsOptions): TtsStreamFactory {
  return (voice, listener) => new ElevenLabsTtsStream(options, voice, listener);
}

/** One call's ElevenLabs stream. The socket opens at once, so the first turn does not wait for it. */
export class ElevenLabsTtsStream implements TtsStream {
  private readonly opts: Required<ElevenLabsTtsOptions>;
  private readonly voice: TtsVoice;
  private readonly listener: TtsStreamListener;
  private state: 'live' | 'unavailable' | 'closed' = 'live';
  private socket: WebSocket | null = null;
  private opened = false;
  private outbox: string[] = [];
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private refusedStatus: number | null = null;
  private contextSeq = 0;
  private characters = 0;
  /** Turns not yet ended, in play order; the first is the one being heard. */
  private order: Turn[] = [];
  private readonly byContext = new Map<string, Turn>();
  private readonly usedIds = new Set<string>();

  constructor(options: ElevenLabsTtsOptions, voice: TtsVoice, listener: TtsStreamListener) {
    this.opts = {
      modelId: DEFAULT_TTS_MODEL,
      chunkLengthSchedule: CHUNK_LENGTH_SCHEDULE,
      inactivityTimeoutS: MAX_INACTIVITY_TIMEOUT_S,
      connectTimeoutMs: 5000,
      turnIdleMs: 3000,
      maxReconnects: 1,
      ...options,
    };
    this.voice = voice;
    this.listener = listener;
    this.openSocket();
  }

  get available(): boolean {
    return this.state === 'live';
  }

  get usage(): TtsUsage {
    return { charactersSynthesized: this.characters };
  }

  startTurn(turnId: string): void {
    if (this.state !== 'live' || this.usedIds.has(turnId)) return;
    this.usedIds.add(turnId);
    if (!this.socket) this.openSocket();
    while (this.order.length >= MAX_OPEN_TURNS) {
      const oldest = this.order[0]!;
      this.endTurn(oldest, true);
      this.emit({
        type: 'turn_failed',
        turnId: oldest.id,
        error: err('too_many_turns', `more than ${MAX_OPEN_TURNS} turns open at once`, true),
      });
    }
    const turn: Turn = {
      id: turnId,
      contextId: `c${++this.contextSeq}`,
      phase: 'open',
      pending: '',
      spokenSent: 0,
      spokenAligned: 0,
      held: [],
      idleTimer: null,
    };
    this.order.push(turn);
    this.remember(turn);
    this.send(initContextMessage(turn.contextId, this.voice.settings, this.opts.chunkLengthSchedule));
  }

  pushText(turnId: string, delta: string): void {
    const turn = this.openTurn(turnId);
    if (!turn || delta === '') return;
    const [ready, rest] = splitAtLastSpace(turn.pending + delta);
    turn.pending = rest;
    if (ready !== '') this.sendText(turn, ready, false);
  }

  flush(turnId: string): void {
    const turn = this.openTurn(turnId);
    if (!turn) return;
    const rest = turn.pending;
    turn.pending = '';
    this.sendText(turn, rest, true);
    turn.phase = 'flushed';
    // nothing to speak (an empty response): the turn is over now
    if (turn.spokenSent === 0) this.received(turn, true);
    else this.armIdle(turn);
  }

  cancel(): void {
    const turns = this.order;
    this.order = [];
    for (const turn of turns) this.endTurn(turn, true);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    for (const turn of this.order) this.clearIdle(turn);
    this.order = [];
    this.dropSocket(1000);
  }

  private openTurn(turnId: string): Turn | undefined {
    if (this.state !== 'live') return undefined;
    const turn = this.order.find((t) => t.id === turnId);
    return turn?.phase === 'open' ? turn : undefined;
  }

  private sendText(turn: Turn, text: string, flush: boolean): void {
    this.characters += text.length;
    turn.spokenSent += spokenLength(text);
    this.send(textMessage(turn.contextId, text, flush));
  }

  // --- the socket ---

  private openSocket(): void {
    const { baseUrl, modelId, inactivityTimeoutS } = this.opts;
    const url = ttsSocketUrl(baseUrl, { voiceId: this.voice.voiceId, modelId, inactivityTimeoutS });
    const ws = new WebSocket(url, { headers: { 'xi-api-key': this.opts.apiKey } });
    this.socket = ws;
    this.opened = false;
    this.outbox = [];
    this.refusedStatus = null;
    this.connectTimer = setTimeout(() => {
      if (this.socket === ws && !this.opened) ws.terminate();
    }, this.opts.connectTimeoutMs);
    ws.on('open', () => {
      if (this.socket !== ws) return;
      this.opened = true;
      this.clearConnectTimer();
      for (const m of this.outbox) ws.send(m);
      this.outbox = [];
    });
    ws.on('message', (data, isBinary) => {
      if (this.socket === ws) this.onMessage(data, isBinary);
    });
    ws.on('error', (e) => {
      // the handshake's status, when the API refused it (ws reports it only in the message)
      const status = /Unexpected server response: (\d{3})/.exec(e.message)?.[1];
      if (this.socket === ws && status) this.refusedStatus = Number(status);
    });
    ws.on('close', (code) => {
      if (this.socket === ws) this.onSocketClosed(code);
    });
  }

  private send(message: Record<string, unknown>): void {
    const ws = this.socket;
    if (!ws) return;
    const text = JSON.stringify(message);
    if (this.opened) {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    } else this.outbox.push(text);
  }

  private onSocketClosed(code: number): void {
    const wasOpened = this.opened;
    const refused = this.refusedStatus;
    this.socket = null;
    this.opened = false;
    this.outbox = [];
    this.clearConnectTimer();
    this.byContext.clear();
    if (this.state !== 'live') return;
    // turns still waiting for audio; a turn that has all of its audio plays on
    const cut = this.order.filter((t) => t.phase === 'open' || t.phase === 'flushed');
    // closed while idle (the API's inactivity timeout): the next turn opens a new socket
    if (wasOpened && cut.length === 0) return;
    const error = !wasOpened
      ? err(
          'connect_failed',
          refused === null
            ? 'could not open the ElevenLabs socket'
            : `ElevenLabs refused the socket (HTTP ${refused})`,
          refused === null || refused >= 500 || refused === 429,
        )
      : err('socket_closed', `the ElevenLabs socket closed mid-turn (code ${code})`, true);
    for (const turn of cut) {
      this.endTurn(turn, false);
      this.emit({ type: 'turn_failed', turnId: turn.id, error });
    }
    this.finishHeard();
    if (this.state !== 'live') return;
    this.failures++;
    if (!error.retryable || this.failures > this.opts.maxReconnects) {
      this.state = 'unavailable';
      const left = this.order;
      this.order = [];
      for (const turn of left) this.endTurn(turn, false);
      this.emit({ type: 'unavailable', error });
      return;
    }
    // open again now, so the next turn finds it ready
    this.openSocket();
  }

  private dropSocket(code: number): void {
    const ws = this.socket;
    this.socket = null;
    this.clearConnectTimer();
    this.byContext.clear();
    if (!ws) return;
    if (ws.readyState === WebSocket.OPEN) ws.close(code);
    else ws.terminate();
  }

  private clearConnectTimer(): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  // --- server messages ---

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.malformed('a binary message');
      return;
    }
    const m = parseTtsServerMessage(data.toString());
    switch (m.kind) {
      case 'malformed':
        this.malformed(m.reason);
        return;
      case 'error':
        this.emit({ type: 'error', error: err('provider_error', m.message, true) });
        return;
      case 'empty':
        return;
      case 'final': {
        const turn = this.byContext.get(m.contextId);
        this.byContext.delete(m.contextId);
        // the context is closed at the API: all its audio is in
        if (turn && turn.phase !== 'ended' && turn.phase !== 'received') this.received(turn, false);
        return;
      }
      case 'audio': {
        const turn = this.byContext.get(m.contextId);
        if (!turn) {
          this.malformed(`audio for an unknown context "${m.contextId.slice(0, 40)}"`);
          return;
        }
        if (turn.phase === 'ended') return;
        if (m.alignmentProblem) this.malformed(m.alignmentProblem);
        if (m.alignment) turn.spokenAligned += spokenLength(m.alignment.chars.join(''));
        const event = {
          type: 'audio' as const,
          turnId: turn.id,
          payload: m.payload,
          bytes: m.bytes,
          alignment: m.alignment,
        };
        if (this.order[0] === turn) this.emit(event);
        else turn.held.push(event);
        if (turn.phase !== 'flushed') return;
        if (turn.spokenAligned >= turn.spokenSent) this.received(turn, true);
        else this.armIdle(turn);
        return;
      }
    }
  }

  private malformed(reason: string): void {
    this.emit({
      type: 'error',
      error: err('malformed_message', `dropped a malformed ElevenLabs message: ${reason}`, true),
    });
  }

  // --- turns ---

  /** All of the turn's audio has arrived: close its context, and finish it when its turn to play comes. */
  private received(turn: Turn, closeContext: boolean): void {
    this.clearIdle(turn);
    turn.phase = 'received';
    if (closeContext) this.send(closeContextMessage(turn.contextId));
    this.finishHeard();
  }

  /** Finishes the turns at the head of the order that have all their audio, releasing held audio. */
  private finishHeard(): void {
    for (;;) {
      const head = this.order[0];
      if (!head) return;
      // audio that waited for the turns before this one: in order, unless a listener cancels it
      while (head.held.length > 0 && head.phase !== 'ended') this.emit(head.held.shift()!);
      if (head.phase !== 'received' || this.order[0] !== head) return;
      this.order.shift();
      head.phase = 'ended';
      this.emit({ type: 'turn_done', turnId: head.id });
    }
  }

  /** Ends a turn: no more of its audio is delivered. */
  private endTurn(turn: Turn, closeContext: boolean): void {
    const wasOpen = turn.phase !== 'ended' && turn.phase !== 'received';
    turn.phase = 'ended';
    turn.held = [];
    this.clearIdle(turn);
    const at = this.order.indexOf(turn);
    if (at >= 0) this.order.splice(at, 1);
    if (closeContext && wasOpen) this.send(closeContextMessage(turn.contextId));
  }

  private armIdle(turn: Turn): void {
    this.clearIdle(turn);
    turn.idleTimer = setTimeout(() => {
      turn.idleTimer = null;
      if (turn.phase === 'flushed') this.received(turn, true);
    }, this.opts.turnIdleMs);
  }

  private clearIdle(turn: Turn): void {
    if (turn.idleTimer) clearTimeout(turn.idleTimer);
    turn.idleTimer = null;
  }

  private remember(turn: Turn): void {
    this.byContext.set(turn.contextId, turn);
    if (this.byContext.size <= MAX_ENDED_CONTEXTS + MAX_OPEN_TURNS) return;
    for (const [id, t] of this.byContext) {
      if (t.phase === 'ended') {
        this.byContext.delete(id);
        return;
      }
    }
  }

  private emit(event: TtsStreamEvent): void {
    if (this.state === 'closed') return;
    try {
      this.listener(event);
    } catch {
      // a listener's own failure must not break the socket's handler
    }
  }
}

function err(code: TtsErrorCode, message: string, retryable: boolean): TtsError {
  return { code, message, retryable };
}
