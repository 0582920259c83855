/**
 * What call-sim may see of a target that runs on the simulators: the target's details, the simulated
 * model's script for the next call, the Twilio REST updates the voice-server makes to a call (so the
 * simulated caller follows a transfer or a hang-up as Twilio would), and the model's side of the call
 * afterwards (replies, tool calls, what was cut off). A staging deployment has none of this.
 */

import type { Scenario } from '../openai-realtime/scenario.ts';
import type { RealtimeSimulator } from '../openai-realtime/server.ts';
import type { Callee, OutboundDialer } from '../twilio/outbound-dialer.ts';
import type { CallUpdate, TwilioRestFake } from '../twilio/rest-fake.ts';
import type { CallerVoice } from './caller-voice.ts';
import type { ModelTrace, TracedResponse } from './model-trace.ts';
import { type CalleeEvidence, scenarioCallees } from './outbound-callee.ts';
import type { LoadedScenario } from './scenario-types.ts';

export type { ModelTrace, TracedResponse } from './model-trace.ts';

/** How to reach a voice-server and what it serves. */
export interface TargetInfo {
  /** Shown in reports, e.g. `demo stack`. */
  name: string;
  voiceServerUrl: string;
  /** The URL the voice-server signs (PUBLIC_BASE_URL). */
  publicBaseUrl?: string;
  authToken: string;
  accountSid: string;
  /** The brand's number and a caller's. */
  to: string;
  from: string;
  /** The brand's time zone. */
  timezone?: string;
  /** The brand's greeting, for the simulated model. */
  greeting?: string;
  /** app-server's staff API, when reports may read the conversation there. */
  appServer?: { url: string; apiKey: string };
  /** ai-server's brand API (the brand's key), where outbound scenarios place their calls. */
  aiServer?: { url: string; apiKey: string };
}

/** Access to a target's simulators. */
export interface SimulatorAccess {
  info(): Promise<TargetInfo>;
  /** Sets the model's script for the call placed next; returns a mark for {@link trace}. */
  beginCall(model: Scenario): Promise<string>;
  /** Relays the REST updates of `callSid` to `onUpdate` until the returned function is called. */
  followCall(callSid: string, onUpdate: (update: CallUpdate) => void): Promise<() => void>;
  /** The model's side of the calls placed since `mark`. */
  trace(mark: string): Promise<ModelTrace>;
  /**
   * Outbound scenarios: the next call the product places to the scenario's `to` is answered by a
   * person speaking its turns. Absent where the stack's dialer is not reachable.
   */
  answerOutbound?(loaded: LoadedScenario): Promise<void>;
  /** What the callee of that outbound call experienced, once it is over (undefined: not answered). */
  outboundCallee?(callSid: string): Promise<CalleeEvidence | undefined>;
}

/** Access to simulators running in this process. */
export function localSimulatorAccess(deps: {
  realtime: RealtimeSimulator;
  twilioRest: TwilioRestFake;
  info: TargetInfo;
  /** The Twilio simulator's outbound dialer, for outbound scenarios. */
  outbound?: {
    dialer: OutboundDialer;
    setCallee(callee: (to: string) => Callee): void;
    voice: CallerVoice;
  };
}): SimulatorAccess {
  const { realtime, twilioRest, outbound } = deps;
  let callees: ReturnType<typeof scenarioCallees> | undefined;
  const calleesOf = (o: NonNullable<typeof outbound>) => {
    callees ??= scenarioCallees(o);
    return callees;
  };
  return {
    ...(outbound
      ? {
          answerOutbound: (loaded: LoadedScenario) => calleesOf(outbound).answer(loaded),
          outboundCallee: (callSid: string) => calleesOf(outbound).evidence(callSid),
        }
      : {}),
    info: async () => deps.info,
    async beginCall(model) {
      realtime.setScenario(model);
      return String(realtime.sessions.length);
    },
    async followCall(callSid, onUpdate) {
      twilioRest.registerCall(callSid, { status: 'in-progress' });
      const off = twilioRest.onUpdate(callSid, onUpdate);
      return () => {
        off();
        twilioRest.setCallStatus(callSid, 'completed');
      };
    },
    async trace(mark) {
      const sessions = realtime.sessions.slice(Number(mark) || 0);
      return { sessions: sessions.length, responses: sessions.flatMap(traceSession) };
    },
  };
}

type Session = RealtimeSimulator['sessions'][number];

function traceSession(session: Session): TracedResponse[] {
  const heardById = new Map(
    session.items.flatMap((i) => (i.heardText === null ? [] : [[i.id, i.heardText] as const])),
  );
  const done = new Map<string, { status: string; spoken: string; heard?: string }>();
  for (const entry of session.sent('response.done')) {
    const response = entry.event.response as { id?: string; status?: string; output?: unknown[] } | undefined;
    if (!response?.id) continue;
    const heard = (response.output ?? [])
      .map((item) => heardById.get(String((item as { id?: unknown }).id)))
      .find((h) => h !== undefined);
    const spoken = (response.output ?? [])
      .flatMap((item) => ((item as { content?: unknown[] }).content ?? []) as Array<Record<string, unknown>>)
      .map((part) =>
        typeof part.transcript === 'string'
          ? part.transcript
          : typeof part.text === 'string'
            ? part.text
            : '',
      )
      .join(' ')
      .trim();
    done.set(response.id, {
      status: response.status ?? 'unknown',
      spoken,
      ...(heard !== undefined ? { heard } : {}),
    });
  }
  return session.replies.map((reply) => {
    const end = done.get(reply.responseId);
    return {
      source: reply.source,
      text: reply.text,
      language: reply.language,
      languageInForce: reply.languageInForce,
      spoken: end?.spoken ?? '',
      ...(end?.heard !== undefined ? { heard: end.heard } : {}),
      status: end?.status ?? 'in_progress',
      tools: reply.toolCalls.map((call) => ({ name: call.name, args: parseArgs(call.arguments) })),
    };
  });
}

function parseArgs(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { raw: json };
  }
}
