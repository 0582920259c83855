// The offline demo: the whole product on this machine (ai-server, app-server, voice-server) with
// simulators of OpenAI, Twilio and the embeddings service. A caller (call-sim's runner, playing
// scripts/demo-call.yaml) rings the Acme line, asks about shipping, interrupts the answer to ask about
// returns, books a callback and says goodbye; the agent hangs up. It shows the call turn by turn, a
// summary with each turn's latency and the barge-in, the transcript support staff see and the
// callback in the brand's time zone. `--serve` keeps the stack up for the UI and for call-sim.
// `--fault NAME` plays the same call with a provider fault (demo-faults.ts) and shows the metric.
// `--voice elevenlabs` gives the Acme profile an ElevenLabs voice (the ElevenLabs simulator speaks it).
// `--outbound` places an outbound call through the brand API instead (test/support/demo-outbound.ts): a
// person answers, the agent records the quote, the brand's webhook gets the signed outcome.
// The run itself is demo-run.ts.
import { join } from 'node:path';
import { OUTBOUND_OUTCOME, runOutboundDemo } from '../test/support/demo-outbound.ts';
import { callSim, startDemoStack } from '../test/support/demo-stack.ts';
import { ACME } from '../test/support/full-stack.ts';
import { DEMO_FAULTS, isDemoFault } from './demo-faults.ts';
import { runDemo } from './demo-run.ts';

const serve = process.argv.includes('--serve');
const outbound = process.argv.includes('--outbound');
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

/** `--outbound`: the agent places a call through the brand API; a simulated person answers. */
async function mainOutbound(): Promise<void> {
  const say = (line: string) => process.stdout.write(`${callSim.maskNumbers(line)}\n`);
  say('Starting ai-server, app-server and voice-server with simulated OpenAI, Twilio and embeddings…');
  const demo = await startDemoStack();
  const r = await runOutboundDemo(demo.stack, say);
  await demo.close();
  const ok =
    r.status === 'completed' &&
    JSON.stringify(r.outcome) === JSON.stringify(OUTBOUND_OUTCOME) &&
    r.webhook?.state === 'delivered' &&
    r.received.length === 1 &&
    r.received[0]!.verified;
  if (!ok) say('\nThe outbound call did not go as scripted.');
  process.exit(ok ? 0 : 1);
}

async function main(): Promise<void> {
  if (outbound) return mainOutbound();
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
    const { ai } = demo.stack;
    // Unmasked: the callee is the simulator's number, and the command must paste as it is.
    process.stdout.write(
      `${[
        "Place an outbound call with the demo brand's key (a simulated person answers):",
        `  export AI=${ai.url} KEY=${ai.apiKey}`,
        `  curl -s -X POST $AI/admin/outbound-calls -H "authorization: Bearer $KEY" -H 'content-type: application/json' \\`,
        `    -d '{"to":"+14155550199","profileKey":"${ACME.profileKey}","task":"Ask when they open on Saturday.","idempotencyKey":"demo-1"}'`,
        '  curl -s $AI/admin/outbound-calls/<id> -H "authorization: Bearer $KEY"',
      ].join('\n')}\n`,
    );
    process.once('SIGINT', () => void demo.close().then(() => process.exit(outcome.ok ? 0 : 1)));
    return;
  }
  process.exit(outcome.ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
