/**
 * The callee of an outbound scenario: the person the product calls speaks the scenario's turns (the
 * call-sim scenario format, as a caller would), waiting for the agent's opening and each answer, and
 * the Twilio simulator's dialer plays them on the answered leg. What the callee experienced becomes the
 * caller's side of the evidence, once the call is over.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import type { Callee, OutboundDialer } from '../twilio/outbound-dialer.ts';
import { type CallerPlan, planCaller } from './caller-plan.ts';
import type { CallerVoice } from './caller-voice.ts';
import { wavFileToLine } from './caller-voice.ts';
import { callerEvidence } from './evidence.ts';
import type { LoadedScenario } from './scenario-types.ts';

/** The caller's side of the evidence of a call the simulator answered. */
export type CalleeEvidence = ReturnType<typeof callerEvidence>;

/** Each spoken turn's audio, by turn index; a missing WAV file throws, naming the turn's line. */
export async function renderTurns(
  loaded: LoadedScenario,
  voice: CallerVoice,
): Promise<Map<number, Uint8Array>> {
  const audio = new Map<number, Uint8Array>();
  for (const [i, turn] of loaded.scenario.turns.entries()) {
    try {
      if ('say' in turn) audio.set(i, await voice.speak(turn.say, turn.language ?? loaded.scenario.language));
      if ('wav' in turn) {
        const path = isAbsolute(turn.wav) ? turn.wav : resolve(dirname(loaded.file), turn.wav);
        audio.set(i, await wavFileToLine(path));
      }
    } catch (err) {
      throw new Error(`${loaded.file}:${loaded.turnLines[i] ?? 0}: turns[${i}]: ${(err as Error).message}`);
    }
  }
  return audio;
}

/** The scenario's turns as the plan of a person who answers: the agent speaks first (its opening). */
export function calleePlan(loaded: LoadedScenario, audio: ReadonlyMap<number, Uint8Array>): CallerPlan {
  return planCaller(loaded.scenario, audio, {
    quietMs: loaded.scenario.quietMs ?? 1200,
    greetingTimeoutMs: 15_000,
    replyTimeoutMs: 20_000,
    endGraceMs: 4000,
  });
}

/**
 * Scenario callees on a dialer: `answer` has the next call to the scenario's number picked up by a
 * person speaking its turns (other numbers: `fallback`); `evidence` waits for that call to end and
 * gives what the callee experienced.
 */
export function scenarioCallees(deps: {
  dialer: OutboundDialer;
  setCallee(callee: (to: string) => Callee): void;
  voice: CallerVoice;
  fallback?: (to: string) => Callee;
}) {
  const waiting = new Map<string, CallerPlan>();
  const byCall = new WeakMap<object, CallerPlan>();
  const callee = (to: string): Callee => {
    const plan = waiting.get(to);
    if (!plan) return deps.fallback?.(to) ?? { answer: 'human' };
    waiting.delete(to);
    byCall.set(plan.steps, plan);
    return { answer: 'human', source: plan.steps };
  };
  return {
    async answer(loaded: LoadedScenario): Promise<void> {
      const to = loaded.scenario.to;
      if (!to) throw new Error(`${loaded.file}: an outbound scenario names the number called (to)`);
      waiting.set(to, calleePlan(loaded, await renderTurns(loaded, deps.voice)));
      // Set on each scenario: whoever set the stack's callee since (a test, the demo) is replaced.
      deps.setCallee(callee);
    },
    async evidence(callSid: string, timeoutMs = 5000): Promise<CalleeEvidence | undefined> {
      const dialed = await deps.dialer.waitForCall(callSid, timeoutMs);
      await dialed.done;
      const source = dialed.callee.answer === 'human' ? dialed.callee.source : undefined;
      const plan = typeof source === 'object' ? byCall.get(source) : undefined;
      if (!dialed.call || !plan) return undefined;
      return callerEvidence(dialed.call, plan.timings);
    },
  };
}
