/**
 * `call-sim run <scenario.yaml…>`: a brand's regression suite. Every file is validated first (a bad
 * one stops the run with exit 2, naming the line and field); then each scenario is one call, shown
 * live, followed by its turn-by-turn account, and a summary table at the end. Exit 0: every
 * expectation held; 1: one failed; 2: a scenario or the target is unusable.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { writeCallAudio } from '../scenarios/call-audio.ts';
import { type CallerVoice, chooseVoice, type VoiceChoice } from '../scenarios/caller-voice.ts';
import {
  jsonReport,
  junitReport,
  liveLine,
  maskNumbers,
  scenarioAccount,
  summaryTable,
} from '../scenarios/report.ts';
import { runOutboundScenario } from '../scenarios/run-outbound.ts';
import { type RunTarget, runScenario, type ScenarioResult } from '../scenarios/run-scenario.ts';
import { loadScenarioFile, ScenarioFileError } from '../scenarios/scenario-file.ts';
import type { LoadedScenario } from '../scenarios/scenario-types.ts';
import { resolveTarget, TARGET_HELP, TARGET_OPTIONS } from './call-sim-target.ts';
import type { CliIo } from './cli-io.ts';

export const RUN_HELP = `call-sim run <scenario.yaml…> [options]: run scenarios as simulated calls and check their expectations

${TARGET_HELP}
options:
  --voice auto|espeak|simulated   how caller text is spoken (default auto: espeak-ng when installed)
  --json                print the results as JSON on stdout (the live view goes to stderr)
  --junit FILE          write JUnit XML for CI
  --audio-dir DIR       write each call as a stereo WAV (left: the caller, right: what the caller heard)
  --quiet               no live view, only the accounts and the summary

exit codes: 0 all expectations held, 1 an expectation failed, 2 a scenario or the target is unusable
`;

/** Runs the subcommand; returns the exit code. */
export async function runMain(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`call-sim run: ${(err as Error).message}\n\n${RUN_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(RUN_HELP);
    return 0;
  }
  if (positionals.length === 0) {
    io.err(`call-sim run: no scenario files given\n\n${RUN_HELP}`);
    return 2;
  }
  const voiceChoice = values.voice ?? 'auto';
  if (!['auto', 'espeak', 'simulated'].includes(voiceChoice)) {
    io.err(`call-sim run: --voice must be auto, espeak or simulated\n`);
    return 2;
  }

  // Every file first: one unusable scenario stops the suite before any call is placed.
  const loaded: LoadedScenario[] = [];
  const problems: string[] = [];
  for (const file of positionals) {
    try {
      loaded.push(await loadScenarioFile(file));
    } catch (err) {
      if (!(err instanceof ScenarioFileError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length > 0) {
    io.err(
      `call-sim: ${problems.length} scenario file(s) cannot be used:\n${problems.map((p) => `  ${p}`).join('\n')}\n`,
    );
    return 2;
  }

  let target: RunTarget;
  let voice: CallerVoice;
  try {
    target = await resolveTarget(values);
    voice = chooseVoice(voiceChoice as VoiceChoice);
  } catch (err) {
    io.err(`call-sim run: ${(err as Error).message}\n`);
    return 2;
  }
  const live = values.json ? io.err : io.out;
  const show = (text: string) => live(`${maskNumbers(text)}\n`);
  if (voice.notice) io.err(`call-sim: ${voice.notice}\n`);
  show(
    `target: ${target.name} (${target.voiceServerUrl}); ${observability(target)}; caller voice: ${voice.kind}`,
  );

  const results: ScenarioResult[] = [];
  for (const [i, scenario] of loaded.entries()) {
    show(`\n[${i + 1}/${loaded.length}] ${scenario.scenario.name} (${scenario.file})`);
    const run = scenario.scenario.direction === 'outbound' ? runOutboundScenario : runScenario;
    const result = await run(scenario, target, {
      voice,
      recordAudio: values['audio-dir'] !== undefined,
      ...(values.quiet ? {} : { onEvent: (e) => void (liveLine(e) && show(liveLine(e)!)) }),
    });
    results.push(result);
    show(scenarioAccount(result));
    if (values['audio-dir'] && result.audio) {
      await mkdir(values['audio-dir'], { recursive: true });
      show(`  audio: ${await writeCallAudio(values['audio-dir'], `${i + 1}-${result.name}`, result.audio)}`);
    }
  }
  show(`\n${summaryTable(results)}`);
  if (values.json) io.out(`${jsonReport(results)}\n`);
  if (values.junit) await writeFile(values.junit, junitReport(results));
  if (results.some((r) => r.status === 'error')) return 2;
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...TARGET_OPTIONS,
      voice: { type: 'string' },
      json: { type: 'boolean', default: false },
      junit: { type: 'string' },
      'audio-dir': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}

function observability(target: RunTarget): string {
  if (target.access)
    return 'simulators: the model, its tools, REST updates and the transcript are observable';
  if (target.appServer) return "caller's side plus app-server's staff API";
  return "caller's side only: tools, callbacks, the agent's words and end reasons are reported as not checked";
}
