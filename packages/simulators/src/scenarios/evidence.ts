/**
 * What is known about a finished call, from up to three places: the caller's side (always: what was
 * heard and when, clears, how the call ended, TwiML the caller was given), the simulated model (its
 * replies and tool calls, when the target runs on the simulators) and app-server's staff API (the
 * transcript, tickets and callbacks, when reports may read it). Agent lines are attributed to the
 * caller turn they answer.
 */
import type { CallEnd } from '../twilio/call-types.ts';
import type { SimulatedCall } from '../twilio/simulated-call.ts';
import type { TurnTiming } from './caller-plan.ts';
import { type ModelScript, normaliseText } from './model-script.ts';
import type { ModelTrace } from './model-trace.ts';

/** One caller turn as measured on the caller's side. */
export interface TurnEvidence extends TurnTiming {
  /** Caller stopped → first audio of the answer heard. */
  replyLatencyMs?: number;
  /** The caller spoke over the agent: when playback stopped, and what was heard over the caller. */
  bargeIn?: { stopped: boolean; stoppedAfterMs?: number; heardOverCallerMs: number };
}

/** A tool the agent used. */
export interface ToolUse {
  name: string;
  args: Record<string, unknown>;
  result?: unknown;
}

/** Something the agent said (or began to say), with the tools it called there. */
export interface AgentLine {
  /** The caller turn it answers; -1 before the caller's first turn. */
  turn: number;
  text: string;
  interrupted: boolean;
  /** For a line cut off: the words the caller heard before it stopped, when known. */
  heard?: string;
  tools: ToolUse[];
  /** The language it was said in (primary subtag), when the source knows it. */
  language?: string;
  /** The language the model was asked to speak, when the source knows it. */
  languageInForce?: string;
}

/** A change of the call's language, as app-server records it (a `language` message). */
export interface SeenSwitch {
  from: string;
  to: string;
  how: string;
  confidence?: number;
  served: boolean;
}

/** A callback booked in app-server. */
export interface BookedCallback {
  windowStart: string | null;
  windowEnd: string | null;
  timezone: string;
  reason: string;
}

/** The agent's side, from one source. */
export interface AgentSide {
  source: 'simulated model' | 'app-server';
  lines: AgentLine[];
  /** False when lines could not be matched to turns (they still count for the whole call). */
  attributed: boolean;
  attributionNote?: string;
}

/** Everything the expectations are checked against. */
export interface Evidence {
  timezone: string;
  placedAt: Date;
  turns: TurnEvidence[];
  end: CallEnd;
  endedBy: 'agent' | 'caller' | 'nobody';
  /** Numbers the caller was connected to by `<Dial>`. */
  dialed: string[];
  /** Text Twilio spoke (`<Say>`). */
  twilioSaid: string[];
  clears: number;
  /** True when the voice-server's REST updates reach the simulated caller (transfers are seen). */
  followsRest: boolean;
  agent?: AgentSide;
  /** An outbound call's view on ai-server (outbound scenarios only). */
  outbound?: { id: string; status: string; answeredBy: string | null; outcome: unknown };
  /** From app-server's staff API. */
  conversation?: {
    endReason: string | null;
    callbacks: BookedCallback[];
    transferTargets: string[];
    lines: AgentLine[];
    callerMessages: number;
    /** The call's languages (start first, then each served switch's); absent from an app-server without them. */
    languages?: string[];
    /** The language switches, in order (from `language` messages). */
    switches?: SeenSwitch[];
  };
}

const AGENT_END_REASONS = new Set([
  'completed_via_api',
  'stream_closed',
  'twiml_hangup',
  'twiml_finished',
  'dialed',
]);

/** The caller's side of the evidence. */
export function callerEvidence(
  call: SimulatedCall,
  timings: TurnTiming[],
): Omit<Evidence, 'timezone' | 'placedAt' | 'followsRest'> {
  const end = call.endedWith ?? { reason: 'caller_hangup', atMs: call.nowMs() };
  const turns = timings.map((timing): TurnEvidence => {
    const out: TurnEvidence = { ...timing };
    if (timing.utterance) {
      const report = call.turns.find((t) => t.label === timing.utterance);
      if (report) {
        out.startMs = report.startMs;
        if (report.endMs !== undefined) out.endMs = report.endMs;
        if (report.responseLatencyMs !== undefined) out.replyLatencyMs = report.responseLatencyMs;
        if (report.bargeIn)
          out.bargeIn = {
            stopped: report.bargeIn.stoppedBy === 'clear',
            ...(report.bargeIn.latencyMs !== undefined ? { stoppedAfterMs: report.bargeIn.latencyMs } : {}),
            heardOverCallerMs: report.bargeIn.heardAfterStartMs,
          };
      }
    } else if (timing.kind === 'dtmf' && timing.endMs !== undefined) {
      const first = call.heard.find((c) => c.atMs >= timing.endMs!);
      if (first) out.replyLatencyMs = first.atMs - timing.endMs;
    }
    return out;
  });
  return {
    turns,
    end,
    endedBy:
      end.reason === 'caller_hangup' ? 'caller' : AGENT_END_REASONS.has(end.reason) ? 'agent' : 'nobody',
    dialed: call.dialed.map((d) => d.number ?? d.sip ?? '').filter(Boolean),
    twilioSaid: [...call.said],
    clears: call.clears.length,
  };
}

/**
 * The simulated model's replies, attributed by the scripted lines each turn owns; a turn's reply with
 * no words of its own (only tool calls) goes to the next turn the model answers.
 */
export function modelAgentSide(
  trace: ModelTrace,
  script: Pick<ModelScript, 'replyTurns' | 'answeredTurns'>,
): AgentSide {
  let cursor = -1;
  const lines = trace.responses.map((r): AgentLine => {
    if (r.source !== 'greeting') {
      const owner = (script.replyTurns.get(normaliseText(r.text)) ?? []).find((t) => t >= cursor);
      if (owner !== undefined) cursor = owner;
      else if (r.source === 'turn') cursor = script.answeredTurns.find((t) => t > cursor) ?? cursor;
    }
    // cut off: cancelled while it was generated, or truncated at what had played after it was
    const interrupted = r.status === 'cancelled' || r.heard !== undefined;
    return {
      turn: r.source === 'greeting' ? -1 : cursor,
      text: r.status === 'cancelled' ? r.spoken : r.text,
      interrupted,
      ...(interrupted && r.heard !== undefined ? { heard: r.heard } : {}),
      tools: r.tools.map((t) => ({ name: t.name, args: t.args })),
      ...(r.language ? { language: r.language } : {}),
      ...(r.languageInForce ? { languageInForce: r.languageInForce } : {}),
    };
  });
  return { source: 'simulated model', lines, attributed: true };
}

/** app-server's conversation JSON, as the staff API answers it. */
export interface AppServerConversation {
  conversation: { endReason: string | null; languages?: string[] };
  messages: Array<{
    role: string;
    text: string | null;
    interrupted: boolean;
    toolName: string | null;
    toolArguments: unknown;
    toolResult: unknown;
    languageSwitch?: SeenSwitch | null;
  }>;
  tickets: Array<{
    kind: string;
    transferTarget: string | null;
    callback: BookedCallback | null;
  }>;
}

/** app-server's transcript: the k-th caller message opens the k-th turn the agent answers. */
export function appServerSide(
  view: AppServerConversation,
  turns: TurnEvidence[],
): NonNullable<Evidence['conversation']> & { side: AgentSide } {
  const answered = turns.filter(
    (t) => t.startMs !== undefined && (t.kind === 'say' || t.kind === 'wav' || t.kind === 'dtmf'),
  );
  const lines: AgentLine[] = [];
  let turn = -1;
  let callerMessages = 0;
  for (const m of view.messages) {
    if (m.role === 'caller') {
      turn = answered[callerMessages]?.index ?? turn;
      callerMessages++;
    } else if (m.role === 'agent' && m.text) {
      lines.push({ turn, text: m.text, interrupted: m.interrupted, tools: [] });
    } else if (m.role === 'tool' && m.toolName) {
      const args = typeof m.toolArguments === 'object' && m.toolArguments !== null ? m.toolArguments : {};
      const use: ToolUse = { name: m.toolName, args: args as Record<string, unknown>, result: m.toolResult };
      const last = lines.at(-1);
      if (last && last.turn === turn) last.tools.push(use);
      else lines.push({ turn, text: '', interrupted: false, tools: [use] });
    }
  }
  const attributed = callerMessages === answered.length;
  return {
    endReason: view.conversation.endReason,
    callbacks: view.tickets.flatMap((t) => (t.callback ? [t.callback] : [])),
    transferTargets: view.tickets.flatMap((t) =>
      t.kind === 'handoff' && t.transferTarget ? [t.transferTarget] : [],
    ),
    lines,
    callerMessages,
    ...(Array.isArray(view.conversation.languages) ? { languages: view.conversation.languages } : {}),
    switches: view.messages.flatMap((m) => (m.languageSwitch ? [m.languageSwitch] : [])),
    side: {
      source: 'app-server',
      lines,
      attributed,
      ...(attributed
        ? {}
        : {
            attributionNote: `app-server has ${callerMessages} caller message(s) for ${answered.length} caller turn(s), so its lines cannot be matched to turns`,
          }),
    },
  };
}

/** Finds the call's conversation in app-server and waits (up to `timeoutMs`) until it has ended. */
export async function fetchConversation(
  appServer: { url: string; apiKey: string },
  callSid: string,
  timeoutMs = 5000,
): Promise<AppServerConversation | undefined> {
  const base = appServer.url.replace(/\/+$/, '');
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      headers: { authorization: `Bearer ${appServer.apiKey}` },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new Error(`app-server ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  };
  const deadline = Date.now() + timeoutMs;
  let found: AppServerConversation | undefined;
  while (Date.now() < deadline) {
    const list = await get<{ items: Array<{ id: string; callSid: string; endReason: string | null }> }>(
      '/api/conversations?limit=100',
    );
    const summary = list.items.find((c) => c.callSid === callSid);
    if (summary) {
      found = await get<AppServerConversation>(`/api/conversations/${encodeURIComponent(summary.id)}`);
      if (found.conversation.endReason) return found;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return found;
}
