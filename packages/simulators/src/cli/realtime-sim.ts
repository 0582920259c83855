// realtime-sim: runs the OpenAI Realtime simulator on its own, with a scenario and a fault plan, so a
// voice-server (OPENAI_REALTIME_URL) and call-sim can be shown a provider misbehaving.
// Usage: pnpm exec tsx packages/simulators/src/cli/realtime-sim.ts --port 9100 --faults '{"refuseSession":{"code":"insufficient_quota"}}'
import { parseArgs } from 'node:util';
import { parseFaultPlan } from '../openai-realtime/faults.ts';
import type { Pacing } from '../openai-realtime/pacing.ts';
import { type RealtimeSimulator, startRealtimeSimulator } from '../openai-realtime/server.ts';

const HELP = `realtime-sim: run the OpenAI Realtime simulator

  --port N           port to listen on (default: any free port)
  --scenario FILE    scenario JSON (see the simulator's README)
  --faults JSON      fault plan, e.g. '{"acceptThenDrop":{"afterMs":500}}', '{"refuseSession":{"code":"insufficient_quota"}}',
                     '{"malformedEvents":{"at":"response"}}', '{"oversizedAudioDeltas":{"bytes":2097152}}'
  --pacing P         realtime (default), burst, or a speed factor
`;

/** Starts a simulator from command-line arguments; throws naming a bad option. */
export async function startFromArgs(argv: string[]): Promise<RealtimeSimulator | null> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      scenario: { type: 'string' },
      faults: { type: 'string' },
      pacing: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  let faults: ReturnType<typeof parseFaultPlan> | undefined;
  if (values.faults !== undefined) {
    try {
      faults = parseFaultPlan(JSON.parse(values.faults));
    } catch (err) {
      throw new Error(`--faults: ${(err as Error).message}`);
    }
  }
  const pacing: Pacing | undefined =
    values.pacing === undefined || values.pacing === 'realtime' || values.pacing === 'burst'
      ? values.pacing
      : Number(values.pacing);
  if (typeof pacing === 'number' && !(pacing > 0))
    throw new Error('--pacing: expected realtime, burst or a number > 0');
  return startRealtimeSimulator({
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values.scenario !== undefined ? { scenario: values.scenario } : {}),
    ...(faults ? { faults } : {}),
    ...(pacing !== undefined ? { pacing } : {}),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startFromArgs(process.argv.slice(2)).then(
    (sim) => {
      if (!sim) {
        process.stdout.write(HELP);
        return;
      }
      process.stdout.write(`OPENAI_REALTIME_URL=${sim.url}\n`);
      const stop = () => void sim.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    },
    (err: unknown) => {
      process.stderr.write(`realtime-sim: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
