// What the tool end-to-end tests observe on a simulated call: which Realtime reply the caller heard and
// when, how often the thinking sound arrived and was heard, the brand's slow tool endpoint, and the
// record app-server keeps of the call.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RealtimeSimSession } from '@switchboard/simulators/openai-realtime';
import type { CallerScriptStep, SimulatedCall } from '@switchboard/simulators/twilio';
import { thinkingSoundChunks } from '../../services/voice-server/src/tools/thinking-sound.ts';
import { ACME, type FullStack } from './full-stack.ts';

/** How one Realtime response reached the caller. */
export interface ReplyPlayback {
  responseId: string;
  /** Media frames of the reply the caller received. */
  frames: number;
  /** The mark voice-server sent after the reply's last frame ('' when a clear came first). */
  lastMark: string;
  /** Call time (ms) at which Twilio echoed that mark; undefined while it has not. */
  lastMarkEchoedAtMs?: number;
  /**
   * True when the end of the reply was not heard: its last mark was echoed because of a `clear`, or a
   * `clear` came before any mark after its last frame.
   */
  cleared: boolean;
}

interface AudioDelta {
  response_id: string;
  delta: string;
}

const THINKING_CHUNKS = new Set(thinkingSoundChunks());
const THINKING_FIRST_CHUNK = thinkingSoundChunks()[0]!;

/** True for a media payload voice-server plays itself (the thinking sound), not model audio. */
export function isThinkingSoundPayload(payload: string): boolean {
  return THINKING_CHUNKS.has(payload);
}

/**
 * Pairs the model audio the caller received with the simulator's audio deltas (voice-server forwards
 * them untouched and in order, with a mark now and then and after the last one) and reports,
 * per response, whether and when its end was played. Throws when the two streams disagree, which would
 * mean audio was altered or lost.
 */
export function replyPlayback(call: SimulatedCall, session: RealtimeSimSession): Map<string, ReplyPlayback> {
  const deltas = session.sent('response.output_audio.delta').map((e) => e.event as unknown as AudioDelta);
  const byResponse = new Map<string, ReplyPlayback>();
  let next = 0;
  const received = call.received;
  for (let i = 0; i < received.length; i++) {
    const msg = received[i]!.message;
    if (msg.event !== 'media' || isThinkingSoundPayload(msg.media.payload)) continue;
    const delta = deltas[next++];
    if (!delta || delta.delta !== msg.media.payload)
      throw new Error(`media frame ${i} does not match the model's audio delta ${next - 1}`);
    // The mark that covers this frame: the first one after it, before more audio or a clear.
    let mark = '';
    for (let j = i + 1; j < received.length; j++) {
      const m = received[j]!.message;
      if (m.event === 'mark') mark = m.mark.name;
      if (m.event === 'mark' || m.event === 'media' || m.event === 'clear') break;
    }
    const entry = byResponse.get(delta.response_id) ?? {
      responseId: delta.response_id,
      frames: 0,
      lastMark: '',
      cleared: false,
    };
    entry.frames++;
    entry.lastMark = mark;
    byResponse.set(delta.response_id, entry);
  }
  for (const entry of byResponse.values()) {
    if (!entry.lastMark) {
      entry.cleared = true;
      continue;
    }
    const echo = call.sent.find((s) => s.event === 'mark' && s.mark === entry.lastMark);
    if (echo) {
      entry.lastMarkEchoedAtMs = echo.atMs;
      entry.cleared = echo.cleared === true;
    }
  }
  return byResponse;
}

/** The output voice-server sent the model for function call `callId`, parsed. */
export function functionOutput(session: RealtimeSimSession, callId: string): Record<string, unknown> {
  const item = session
    .received('conversation.item.create')
    .map((e) => (e.event as { item: { type: string; call_id?: string; output?: string } }).item)
    .find((i) => i.type === 'function_call_output' && i.call_id === callId);
  if (!item?.output) throw new Error(`no function_call_output for ${callId}`);
  return JSON.parse(item.output) as Record<string, unknown>;
}

/** The call id of the model's first call of tool `name`. */
export function toolCallId(session: RealtimeSimSession, name: string): string {
  const call = session.replies.flatMap((r) => r.toolCalls).find((c) => c.name === name);
  if (!call) throw new Error(`the model never called ${name}`);
  return call.callId;
}

/** The response that played the scenario line `text`. */
export function replySaying(session: RealtimeSimSession, text: string): string {
  const reply = session.replies.find((r) => r.text === text);
  if (!reply) throw new Error(`the model never said "${text}"`);
  return reply.responseId;
}

/** Start indexes (in `call.received`) of every thinking sound that reached the caller. */
export function thinkingSoundStarts(call: SimulatedCall): number[] {
  const starts: number[] = [];
  call.received.forEach((r, i) => {
    if (r.message.event === 'media' && r.message.media.payload === THINKING_FIRST_CHUNK) starts.push(i);
  });
  return starts;
}

/** How many times the opening of the thinking sound is in the audio the caller actually heard. */
export function thinkingSoundsHeard(call: SimulatedCall): number {
  const needle = Buffer.from(THINKING_FIRST_CHUNK, 'base64');
  const heard = Buffer.concat(call.heard.map((h) => h.audio));
  let count = 0;
  for (let at = heard.indexOf(needle); at !== -1; at = heard.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** Index in `call.received` of the first media frame of `responseId`'s audio. */
export function firstFrameOf(call: SimulatedCall, session: RealtimeSimSession, responseId: string): number {
  const deltas = session.sent('response.output_audio.delta').map((e) => e.event as unknown as AudioDelta);
  let next = 0;
  for (let i = 0; i < call.received.length; i++) {
    const msg = call.received[i]!.message;
    if (msg.event !== 'media' || isThinkingSoundPayload(msg.media.payload)) continue;
    if (deltas[next++]?.response_id === responseId) return i;
  }
  return -1;
}

/**
 * Caller script steps that wait until the reply chosen by `pick` has been generated in full and the
 * caller has heard all of it: the simulator sent its `response.done`, then Twilio's buffer ran empty.
 */
export function waitUntilHeard(
  sessionOf: () => RealtimeSimSession | undefined,
  pick: (session: RealtimeSimSession) => string | undefined,
  timeoutMs = 20_000,
): CallerScriptStep<SimulatedCall>[] {
  const done = () => {
    const session = sessionOf();
    const id = session && pick(session);
    return (
      id !== undefined &&
      session!.sent('response.done').some((e) => (e.event as { response: { id: string } }).response.id === id)
    );
  };
  return [
    { until: done, timeoutMs },
    // The last deltas are a socket hop behind response.done; give them a moment to land in the buffer.
    { pauseMs: 200 },
    { until: (c) => !c.isHearingAudio && c.bufferedMs === 0, timeoutMs },
  ];
}

/** The id of the `n`th (0-based) reply of `source`, once it exists. */
export function nthReply(source: string, n = 0): (session: RealtimeSimSession) => string | undefined {
  return (session) => session.replies.filter((r) => r.source === source)[n]?.responseId;
}

// --- app-server -----------------------------------------------------------------------------------

/** The staff API's view of one conversation. */
export interface ConversationView {
  conversation: {
    id: string;
    callSid: string;
    status: string;
    endReason: string | null;
    callerNumber: string | null;
    isSip: boolean;
  };
  messages: Array<{ sequence: number; role: string; text: string | null; toolName: string | null }>;
  tickets: TicketView[];
}

/** A ticket as the staff API shows it. */
export interface TicketView {
  id: string;
  conversationId: string;
  kind: 'handoff' | 'callback';
  status: string;
  summary: string;
  transcriptExcerpt: string | null;
  knowledgeChunkIds: string[];
  transferTarget: string | null;
}

/** A callback as `/api/callbacks` lists it. */
export interface CallbackView {
  id: string;
  ticketId: string;
  conversationId: string;
  phone: string;
  windowStart: string | null;
  windowEnd: string | null;
  timezone: string;
  reason: string;
  status: string;
  ticket: Omit<TicketView, 'callback'>;
}

/** Waits until app-server has the call as ended (the sync is queued), then reads it whole. */
export async function endedConversation(stack: FullStack, callSid: string): Promise<ConversationView> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const list = await stack.staffGet<{ items: Array<{ id: string; callSid: string; status: string }> }>(
      '/api/conversations',
    );
    const found = list.items.find((c) => c.callSid === callSid);
    if (found?.status === 'ended') return stack.staffGet<ConversationView>(`/api/conversations/${found.id}`);
    if (Date.now() > deadline) throw new Error(`app-server has no ended conversation for ${callSid}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- the brand's own tool -------------------------------------------------------------------------

/** One request the brand's endpoint received. */
export interface ToolEndpointRequest {
  path: string;
  body: { tool: string; arguments: Record<string, unknown>; callSid: string; profileKey: string };
  receivedAtMs: number;
  answeredAtMs?: number;
}

/** A brand's tool backend on loopback that answers every POST after `delayMs`, or when released. */
export interface SlowToolEndpoint {
  baseUrl: string;
  /** How long the next requests take to answer; `'held'`: until {@link release} is called. */
  delayMs: number | 'held';
  requests: ToolEndpointRequest[];
  /** Answers every request still held. */
  release(): void;
  close(): Promise<void>;
}

/** Starts the brand's slow tool backend on an ephemeral loopback port. */
export async function startSlowToolEndpoint(): Promise<SlowToolEndpoint> {
  const requests: ToolEndpointRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const held: Array<() => void> = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: ToolEndpointRequest['body'];
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ToolEndpointRequest['body'];
      } catch {
        res.writeHead(400).end();
        return;
      }
      const entry: ToolEndpointRequest = { path: req.url ?? '', body, receivedAtMs: Date.now() };
      requests.push(entry);
      const answer = () => {
        entry.answeredAtMs = Date.now();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ orderId: entry.body.arguments?.order_id, status: 'shipped' }));
      };
      if (self.delayMs === 'held') {
        held.push(answer);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, self.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const self: SlowToolEndpoint = {
    baseUrl: `http://127.0.0.1:${port}`,
    delayMs: 0,
    requests,
    release() {
      for (const answer of held.splice(0)) answer();
    },
    async close() {
      held.length = 0;
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return self;
}

/** Registers the brand's order-status tool on the Acme profile, pointed at `endpointUrl`. */
export async function addOrderStatusTool(
  stack: FullStack,
  opts: { name: string; endpointUrl: string; timeoutMs: number },
): Promise<void> {
  const res = await fetch(`${stack.ai.url}/admin/profiles/${ACME.profileKey}/tools`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: opts.name,
      description: 'Looks up where an order is.',
      parameters: {
        type: 'object',
        required: ['order_id'],
        properties: { order_id: { type: 'string' } },
        additionalProperties: false,
      },
      endpointUrl: opts.endpointUrl,
      timeoutMs: opts.timeoutMs,
    }),
  });
  if (res.status !== 201) throw new Error(`adding the tool failed: ${res.status} ${await res.text()}`);
}
