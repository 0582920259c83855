// The offline demo: the whole product on this machine (ai-server, app-server, voice-server) with
// simulators of OpenAI, Twilio and the embeddings service. A caller (call-sim's runner, playing
// scripts/demo-call.yaml) rings the Acme line, asks about shipping, interrupts the answer to ask about
// returns, books a callback and says goodbye; the agent hangs up. It shows the call turn by turn, a
// summary with each turn's latency and the barge-in, the transcript support staff see and the
// callback in the brand's time zone. `--serve` keeps the stack up for the UI and for call-sim.
// `--fault NAME` plays the same call with a provider fault (demo-faults.ts) and shows the metric.
// `--voice elevenlabs` gives the Acme profile an ElevenLabs voice (the ElevenLabs simulator speaks it).
// The run itself is demo-run.ts.
import { join } from 'node:path';
import { DEMO_FAULTS, isDemoFault } from './demo-faults.ts';
import { runDemo } from './demo-run.ts';

const serve = process.argv.includes('--serve');
const faultArg = process.argv.indexOf('--fault');
const faultName = faultArg >= 0 ? (process.argv[faultArg + 1] ?? '') : undefined;
if (faultName !== undefined && !isDemoFault(faultName)) {
  process.stderr.write(`--fault: expected one of ${Object.keys(DEMO_FAULTS).join(', ')}\n`);
  process.exit(2);
}
const voiceArg = process.argv.indexOf('--voice');
const voiceName = voiceArg >= 0 ? (process.argv[voiceArg + 1] ?? '') : 'openai';
if (voiceName !== 'openai' && voiceName !== 'elevenlabs') {
  process.stderr.write('--voice: expected openai or elevenlabs\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const outcome = await runDemo({
    serve,
    brandVoice: voiceName === 'elevenlabs',
    ...(faultName !== undefined && isDemoFault(faultName)
      ? { fault: { name: faultName, fault: DEMO_FAULTS[faultName] } }
      : {}),
    dataDir: join(import.meta.dirname, '..', '.data', 'demo'),
    out: (line) => process.stdout.write(`${line}\n`),
  });
  const { demo } = outcome;
  if (demo) {
    process.once('SIGINT', () => void demo.close().then(() => process.exit(outcome.ok ? 0 : 1)));
    return;
  }
  process.exit(outcome.ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
