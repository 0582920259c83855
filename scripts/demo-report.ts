// How the demo shows a call: the summary of call-sim's evidence (each turn's latency and the
// barge-in point), the post-call analysis app-server queued, and where a brand voice came from.
import type { callSim, DemoStack } from '../test/support/demo-stack.ts';

type ScenarioResult = callSim.ScenarioResult;
/** Writes one line of the demo's output. */
export type Say = (line: string) => void;

export const ms = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)} ms`);

/** Each turn's latency (the caller stopped speaking → the first audio of the answer heard) and the barge-in. */
export function printSummary(result: ScenarioResult, say: Say): void {
  const ev = result.evidence!;
  say('Summary:');
  const rows = ev.turns.map((t) => {
    let barge = '';
    if (t.bargeIn) {
      const cut = ev.agent?.lines.find((l) => l.turn < t.index && l.interrupted);
      const into = bargeInPoint(result, t.index);
      barge = t.bargeIn.stopped
        ? `spoke ${into} into the answer; it stopped ${ms(t.bargeIn.stoppedAfterMs)} later${cut?.heard !== undefined ? `, after "${cut.heard}"` : ''}`
        : `spoke over the answer; it ran on (${ms(t.bargeIn.heardOverCallerMs)} heard)`;
    }
    return [`${t.index + 1}`, t.label, ms(t.replyLatencyMs), barge];
  });
  const header = ['turn', 'caller', 'reply after', 'barge-in'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    `  ${r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}`;
  say(fmt(header));
  for (const r of rows) say(fmt(r));
  const values = ev.turns.flatMap((t) => (t.replyLatencyMs === undefined ? [] : [t.replyLatencyMs]));
  if (values.length)
    say(
      `  reply latency (speech stopped → first audio heard): mean ${ms(values.reduce((a, b) => a + b, 0) / values.length)}, worst ${ms(Math.max(...values))}`,
    );
  say(
    `  call: ${(ev.end.atMs / 1000).toFixed(1)} s, ended by the ${ev.endedBy} (${ev.end.reason}); ${result.status === 'passed' ? 'every expectation held' : 'some expectations failed'}`,
  );
}

/** How far into the agent's answer the caller began to speak, as the scenario asked. */
export function bargeInPoint(result: ScenarioResult, turn: number): string {
  const t = result.evidence!.turns;
  const prev = t[turn - 1];
  const now = t[turn];
  if (prev?.endMs === undefined || prev.replyLatencyMs === undefined || now?.startMs === undefined)
    return '-';
  return `${((now.startMs - prev.endMs - prev.replyLatencyMs) / 1000).toFixed(1)} s`;
}

/** The post-call analysis app-server queued when the call ended (the worker runs inline in the demo). */
export async function printAnalysis(
  stack: DemoStack['stack'],
  conversationId: string | undefined,
  say: Say,
): Promise<void> {
  type Analysis = {
    status: string;
    summary: string;
    sentiment: string;
    intent: string;
    resolution: string;
    leadScore: number;
    model: string;
    promptVersion: string;
    error: string | null;
  };
  const deadline = Date.now() + 30_000;
  let a: Analysis | undefined;
  while (conversationId && Date.now() < deadline) {
    a = await stack
      .staffGet<{ analysis: Analysis }>(`/api/conversations/${conversationId}/analysis`)
      .then((r) => r.analysis)
      .catch(() => undefined);
    if (a && a.status !== 'pending') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  say('\nPost-call analysis (queued when the call ended, answered by the simulated OpenAI model):');
  if (a?.status !== 'done') {
    say(`  not ready: ${a?.error ?? a?.status ?? 'none'}`);
    return;
  }
  say(`  ${a.summary}`);
  say(
    `  sentiment ${a.sentiment}, intent ${a.intent}, resolution ${a.resolution}, lead score ${a.leadScore} (${a.model}, ${a.promptVersion})`,
  );
}

/** Where the agent's voice came from, and the TTS's share of each reply's latency. */
export async function printBrandVoice(
  stack: DemoStack['stack'],
  voiceId: string,
  synthesisDelayMs: number,
  say: Say,
): Promise<void> {
  const sockets = stack.elevenlabs.connections;
  const contexts = new Set(
    sockets.flatMap((c) => c.audioSent().map((m) => `${c.voiceId}:${String(m.contextId)}`)),
  );
  const page = await (await fetch(`${stack.voiceUrl}/metrics`)).text();
  const figure = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(page)?.[1] ?? Number.NaN);
  const count = figure('voice_tts_first_audio_seconds_count');
  const sumMs = figure('voice_tts_first_audio_seconds_sum') * 1000;
  const chars = figure('voice_tts_characters_total');
  say(
    `\nThe agent's voice came from ElevenLabs (the simulator, voice ${voiceId}): ${contexts.size} answers spoken over ${sockets.length} socket${sockets.length === 1 ? '' : 's'}, ${chars} characters synthesized.`,
  );
  if (count > 0)
    say(
      `  first-audio latency (first text to ElevenLabs → first mu-law frame to Twilio): mean ${ms(sumMs / count)} over ${count} answers (the simulator waits ${synthesisDelayMs} ms before each generation)`,
    );
}
