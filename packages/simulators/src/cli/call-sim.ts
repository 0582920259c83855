// call-sim: a simulated caller for any voice-server. `call-sim run <scenario.yaml…>` runs a brand's
// scenarios and checks their expectations; `call-sim load` drives concurrent calls; `call-sim schema`
// prints the scenario schema. The original form (`call-sim --url … --auth-token …`) still works.
import { SCENARIO_SCHEMA } from '../scenarios/scenario-schema.ts';
import { LEGACY_HELP, legacyMain } from './call-sim-legacy.ts';
import { loadMain } from './call-sim-load.ts';
import { RUN_HELP, runMain } from './call-sim-run.ts';
import { type CliIo, processIo } from './cli-io.ts';

const HELP = `call-sim: a simulated Twilio caller for a voice-server

  call-sim run <scenario.yaml…> [options]   run scenarios, check expectations (see call-sim run --help)
  call-sim load --calls N --seconds S [--ramp R] [options]   concurrent calls; latency percentiles
  call-sim schema                           print the scenario file's JSON Schema

${RUN_HELP}
The original form, one call with a JSON script, still works:
${LEGACY_HELP}`;

/** Dispatches a command line; returns the exit code. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'run') return runMain(rest, io);
  if (command === 'load') return loadMain(rest, io);
  if (command === 'schema') {
    io.out(`${JSON.stringify(SCENARIO_SCHEMA, null, 2)}\n`);
    return 0;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(HELP);
    return 0;
  }
  if (command === undefined) {
    io.err(HELP);
    return 2;
  }
  return legacyMain(argv, io);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`call-sim: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
