// The model loop (ModelOutput) alone: every part around it a stand-in that records its calls, with
// their arguments, in one ordered list; the metrics real.

import type { RealtimeServerEvent } from '@switchboard/realtime';
import { VoiceMetrics } from '../metrics.ts';
import { ModelOutput, type ModelOutputDeps } from '../session/model-output.ts';
import { memoryLogger } from './parts.ts';

/** One call to a stand-in: `part.method` and its arguments. */
export interface PartCall {
  name: string;
  args: unknown[];
}

/** A stand-in for a part: records every method call; `values` answers some (a function is called). */
function recorder(part: string, calls: PartCall[], values: Record<string, unknown> = {}): unknown {
  return new Proxy(
    {},
    {
      get: (_t, prop: string) => {
        if (prop in values && typeof values[prop] !== 'function') return values[prop];
        return (...args: unknown[]) => {
          calls.push({ name: `${part}.${prop}`, args });
          const answer = values[prop];
          return typeof answer === 'function' ? (answer as (...a: unknown[]) => unknown)(...args) : undefined;
        };
      },
    },
  );
}

export interface ModelOutputAloneOptions {
  /** Response ids the queue reports cancelled. */
  cancelled?: string[];
  /** What the queue says of a failed response: asked again (true) or not. */
  retried?: boolean;
  /** An external voice for text responses. */
  speech?: boolean;
  /** Answers of the link (`current`, `reconnect`…), on top of recording its calls. */
  link?: Record<string, unknown>;
  /** Answers of the audio out, on top of recording its calls. */
  audioOut?: Record<string, unknown>;
}

export function modelOutputAlone(opts: ModelOutputAloneOptions = {}) {
  const calls: PartCall[] = [];
  const notes: string[] = [];
  const { log } = memoryLogger();
  const metrics = new VoiceMetrics();
  const lifecycle = { isEnded: false };
  const deps = {
    link: recorder('link', calls, opts.link),
    lifecycle,
    audioOut: recorder('audioOut', calls, opts.audioOut),
    responses: recorder('responses', calls, {
      isCancelled: (id: unknown) => (opts.cancelled ?? []).includes(id as string),
      onDone: (_id: unknown, status: unknown) => ({
        failed: status === 'failed',
        retried: opts.retried ?? true,
      }),
      onCreated: () => ({ cancel: false }),
    }),
    bargeIn: recorder('bargeIn', calls),
    afterReply: recorder('afterReply', calls),
    tools: recorder('tools', calls),
    transcriptEvents: recorder('transcriptEvents', calls, { onAgentAudio: () => false }),
    limiter: recorder('limiter', calls),
    greeting: () => 'greet',
    record: (text: string) => notes.push(text),
    metrics,
    log,
    ...(opts.speech ? { speech: recorder('speech', calls) } : {}),
  } as unknown as ModelOutputDeps;
  const out = new ModelOutput(deps);
  return {
    out,
    calls,
    notes,
    metrics,
    lifecycle,
    /** The names of the calls made, in order. */
    names: () => calls.map((c) => c.name),
    /** The arguments of every call to `name` (`part.method`), in order. */
    argsOf: (name: string) => calls.filter((c) => c.name === name).map((c) => c.args),
  };
}

/** A server event built loosely (the fields a test cares about). */
export const serverEvent = (e: Record<string, unknown> & { type: string }) =>
  e as unknown as RealtimeServerEvent;

/** response.done for `id` ending with `status` (and `status_details`, when given). */
export function responseDone(
  id: string | undefined,
  status: string,
  statusDetails?: unknown,
): RealtimeServerEvent {
  const response: Record<string, unknown> = { status, output: [] };
  if (id !== undefined) response.id = id;
  if (statusDetails !== undefined) response.status_details = statusDetails;
  return serverEvent({ type: 'response.done', event_id: 'e', response });
}
