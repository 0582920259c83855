// call-sim's original form, kept for existing users: `pnpm call-sim --url … --auth-token …` places one
// call with a JSON script (tones for speech) and prints what the caller experienced.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { unusableTarget } from '../scenarios/run-scenario.ts';
import type { CallerScriptStep } from '../twilio/caller-script.ts';
import { type LineImpairments, placeCall, type SimulatedCall } from '../twilio/index.ts';
import type { CliIo } from './cli-io.ts';

export const LEGACY_HELP = `call-sim --url URL …: one call with a JSON script (the original form; see \`call-sim run\` for scenarios)

  --url URL            voice-server base URL to connect to (required)
  --public-url URL     the URL Twilio signs (PUBLIC_BASE_URL), if it differs from --url
  --auth-token TOKEN   Twilio auth token voice-server checks (required; or TWILIO_AUTH_TOKEN)
  --account-sid SID    Twilio account SID (default: a made-up one; or TWILIO_ACCOUNT_SID)
  --from NUMBER        caller number (default +14155550123)
  --to NUMBER          number dialled (default +18005550100)
  --sip-domain DOMAIN  place a SIP call to this Twilio SIP domain instead
  --script FILE        JSON steps: {"say": "label", "ms": 800} | {"pauseMs": 500} | {"dtmf": "12#"}
                       | {"cough": true, "ms": 250} | {"waitForAgent": true} | {"hangup": true};
                       default: listen, ask, listen, hang up
  --line JSON          a line like a real phone line, e.g. '{"seed":1,"noiseFloorDbfs":-50,
                       "echo":{"delayMs":150,"attenuationDb":20},"jitter":{"maxMs":60},"lossRate":0.01}' 
  --wav FILE           write what the caller heard to a WAV file
  --json               print the report as JSON
`;

/** A script step as written in a JSON file. */
export type CliStep =
  | { say: string; ms?: number; toneHz?: number }
  | { cough: true; ms?: number }
  | { pauseMs: number }
  | { dtmf: string }
  | { waitForAgent: true; timeoutMs?: number }
  | { hangup: true };

const DEFAULT_SCRIPT: CliStep[] = [
  { waitForAgent: true },
  { say: 'question', ms: 900 },
  { pauseMs: 800 },
  { waitForAgent: true },
  { hangup: true },
];

/** Turns file steps into the caller's script steps; throws naming the bad step. */
export function toCallerScript(steps: unknown): CallerScriptStep<SimulatedCall>[] {
  if (!Array.isArray(steps)) throw new Error('the script must be a JSON array of steps');
  let turns = 0;
  return steps.map((raw, i): CallerScriptStep<SimulatedCall> => {
    const step = raw as Record<string, unknown>;
    if (typeof step.say === 'string') {
      turns++;
      return {
        audio: { toneHz: Number(step.toneHz ?? 220), ms: Number(step.ms ?? 800), amplitude: 0.3 },
        label: step.say,
      };
    }
    if (step.cough === true) return { audio: { noiseMs: Number(step.ms ?? 250) }, label: 'cough' };
    if (typeof step.pauseMs === 'number') return { pauseMs: step.pauseMs };
    if (typeof step.dtmf === 'string') return { dtmf: step.dtmf };
    if (step.hangup === true) return { hangup: true };
    if (step.waitForAgent === true) {
      // Heard a reply to the last utterance (or the greeting), and it has finished playing.
      const turn = turns - 1;
      return {
        until: (c) =>
          (turn < 0 ? c.heardMs > 0 : c.turns[turn]?.responseLatencyMs !== undefined) && !c.isHearingAudio,
        timeoutMs: Number(step.timeoutMs ?? 30_000),
      };
    }
    throw new Error(`script step ${i} is not one of say, cough, pauseMs, dtmf, waitForAgent, hangup`);
  });
}

/** The original command line; returns the exit code (1 when the call failed, 2 for bad usage). */
export async function legacyMain(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'public-url': { type: 'string' },
      'auth-token': { type: 'string' },
      'account-sid': { type: 'string' },
      from: { type: 'string', default: '+14155550123' },
      to: { type: 'string', default: '+18005550100' },
      'sip-domain': { type: 'string' },
      script: { type: 'string' },
      line: { type: 'string' },
      wav: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const authToken = values['auth-token'] ?? process.env.TWILIO_AUTH_TOKEN;
  if (values.help || !values.url || !authToken) {
    io.err(LEGACY_HELP);
    return values.help ? 0 : 2;
  }
  const steps = values.script ? JSON.parse(await readFile(values.script, 'utf8')) : DEFAULT_SCRIPT;
  const call = await placeCall({
    voiceServerUrl: values.url,
    ...(values['public-url'] ? { publicBaseUrl: values['public-url'] } : {}),
    authToken,
    accountSid: values['account-sid'] ?? process.env.TWILIO_ACCOUNT_SID ?? `AC${'0'.repeat(32)}`,
    from: values.from,
    to: values.to,
    ...(values['sip-domain'] ? { sip: { domain: values['sip-domain'] } } : {}),
    source: toCallerScript(steps),
    ...(values.line ? { line: JSON.parse(values.line) as LineImpairments } : {}),
  });
  const end = await call.ended;
  if (values.wav) await call.writeHeardWav(values.wav);
  const report = call.report();
  const cause = unusableTarget(call, end, values.url);
  if (values.json) {
    io.out(
      `${JSON.stringify({ twiml: call.twiml?.raw, ...(cause ? { cause } : {}), ...report }, null, 2)}\n`,
    );
  } else {
    io.out(`call ${call.callSid}: ${end.reason}${cause ? ` (${cause})` : ''}\n`);
    if (call.said.length) io.out(`said by Twilio: ${call.said.join(' ')}\n`);
    const ms = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)}`);
    for (const t of report.turns) {
      const barge = t.bargeIn ? `, barge-in stopped in ${ms(t.bargeIn.latencyMs)} ms` : '';
      io.out(`  ${t.label}: reply after ${ms(t.responseLatencyMs)} ms${barge}\n`);
    }
    io.out(
      `heard ${(report.heardMs / 1000).toFixed(1)} s; ${report.clears} clears; ${report.protocolErrors} protocol errors\n`,
    );
  }
  return end.reason === 'webhook_failed' || end.reason === 'invalid_twiml' || end.reason === 'stream_failed'
    ? 1
    : 0;
}
