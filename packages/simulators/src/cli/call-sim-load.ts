/** `call-sim load --calls N --seconds S [--ramp R]`: concurrent calls against a target, with a progress bar. */
import { parseArgs } from 'node:util';
import { chooseVoice, type VoiceChoice } from '../scenarios/caller-voice.ts';
import { type LoadProgress, type LoadResult, runLoad } from '../scenarios/load-run.ts';
import { maskNumbers } from '../scenarios/report.ts';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from './call-sim-target.ts';
import type { CliIo } from './cli-io.ts';

export const LOAD_HELP = `call-sim load --calls N --seconds S [--ramp R] [options]: N concurrent calls

  --calls N        calls to place (1-2000)
  --seconds S      how long each call lasts (ask, listen, ask again…)
  --ramp R         start the calls evenly over R seconds (default 0)
  --say TEXT       what the callers ask (default "What are your opening hours?")
  --voice auto|espeak|simulated
  --json           print the figures as JSON

${TARGET_HELP}
exit codes: 0 every call lasted, 1 some failed, 2 bad usage or the target is unusable (every call failed to connect)
`;

export async function loadMain(argv: string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    io.err(`call-sim load: ${(err as Error).message}\n\n${LOAD_HELP}`);
    return 2;
  }
  if (values.help) {
    io.out(LOAD_HELP);
    return 0;
  }
  const calls = Number(values.calls);
  const seconds = Number(values.seconds);
  const ramp = Number(values.ramp ?? 0);
  const bad = [
    !(Number.isInteger(calls) && calls >= 1 && calls <= 2000) && '--calls must be an integer from 1 to 2000',
    !(seconds >= 1 && seconds <= 3600) && '--seconds must be from 1 to 3600',
    !(ramp >= 0 && ramp <= 3600) && '--ramp must be from 0 to 3600',
  ].filter(Boolean);
  if (bad.length) {
    io.err(`call-sim load: ${bad.join('; ')}\n\n${LOAD_HELP}`);
    return 2;
  }
  let target: Awaited<ReturnType<typeof resolveTarget>>;
  let question: Uint8Array;
  try {
    target = await resolveTarget(values);
    const voice = chooseVoice((values.voice ?? 'auto') as VoiceChoice);
    if (voice.notice) io.err(`call-sim: ${voice.notice}\n`);
    question = await voice.speak(values.say ?? 'What are your opening hours?');
  } catch (err) {
    io.err(`call-sim load: ${(err as Error).message}\n`);
    return 2;
  }
  io.err(
    maskNumbers(`load: ${calls} call(s) of ${seconds} s, ramp ${ramp} s, against ${target.voiceServerUrl}\n`),
  );
  const result = await runLoad(target, {
    calls,
    seconds,
    rampSeconds: ramp,
    question,
    answer: 'We are open from eight to eight, Monday to Friday.',
    onProgress: progressBar(io),
  });
  if (io.isTty) io.err('\n');
  if (values.json) io.out(`${JSON.stringify(roundAll(result), null, 2)}\n`);
  else io.out(loadSummary(result));
  if (result.completed === 0) return 2;
  return Object.keys(result.failures).length > 0 ? 1 : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      ...TARGET_OPTIONS,
      calls: { type: 'string' },
      seconds: { type: 'string' },
      ramp: { type: 'string' },
      say: { type: 'string' },
      voice: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}

const BAR = 30;

/** Redraws one line on a terminal; elsewhere, a line every 5 s. */
function progressBar(io: CliIo): (p: LoadProgress) => void {
  let lastLineAt = 0;
  return (p) => {
    const share = Math.min(1, p.elapsedMs / p.totalMs);
    const filled = Math.round(share * BAR);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${Math.round(share * 100)}%  ${p.live} live, ${p.finished} done of ${p.placed} placed, ${p.turns} turns`;
    if (io.isTty) io.err(`\r${line}`);
    else if (p.elapsedMs - lastLineAt >= 5000) {
      lastLineAt = p.elapsedMs;
      io.err(`${line}\n`);
    }
  };
}

/** The figures as people read them. */
export function loadSummary(r: LoadResult): string {
  const l = r.replyLatencyMs;
  const ms = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)} ms`);
  const lines = [
    `calls: ${r.completed} of ${r.calls} lasted their time (${(r.durationMs / 1000).toFixed(1)} s in all)`,
    `reply latency (caller stopped → first audio heard), ${l.count} turns: p50 ${ms(l.p50)}, p90 ${ms(l.p90)}, p99 ${ms(l.p99)}, max ${ms(l.max)}`,
    `unanswered turns: ${r.unanswered}; protocol errors: ${r.protocolErrors}`,
    `dropped frames (the generator fell behind): ${r.droppedFrames}; its worst lag ${ms(r.generatorMaxLagMs)}`,
  ];
  const failures = Object.entries(r.failures);
  if (failures.length) lines.push('failures:', ...failures.map(([cause, n]) => `  ${n} × ${cause}`));
  return `${lines.join('\n')}\n`;
}

function roundAll(value: LoadResult): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v) : v)),
  );
}
