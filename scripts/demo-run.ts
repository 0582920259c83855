// The offline demo's run, apart from its command line (scripts/demo.ts) so a test can play it in
// process: the stack starts, call-sim's runner plays scripts/demo-call.yaml as the caller, and what
// happened is written line by line (phone numbers masked) through `out`.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  callSim,
  DEMO_BRAND,
  DEMO_CALLER,
  DEMO_TIMEZONE,
  type DemoStack,
  startDemoStack,
} from '../test/support/demo-stack.ts';
import { ACME, BRAND_VOICE_ID, PUBLIC_BASE_URL, STAFF } from '../test/support/full-stack.ts';
import { type DemoFault, metricLines } from './demo-faults.ts';
import { printHandOffs } from './demo-handoffs.ts';
import { ms, printAnalysis, printBrandVoice, printSummary } from './demo-report.ts';

/** The demo's call. */
export const DEMO_SCENARIO = join(import.meta.dirname, 'demo-call.yaml');
/** The ElevenLabs simulator's synthesis delay before each generation's first audio, in the demo. */
const SYNTHESIS_DELAY_MS = 150;

export interface DemoOptions {
  /** Keep the stack up afterwards and print the UI's sign-in and the call-sim command. */
  serve?: boolean;
  /** Play the call with this provider fault. */
  fault?: { name: string; fault: DemoFault };
  /** Give the Acme profile an ElevenLabs voice. */
  brandVoice?: boolean;
  /** Where the call's audio goes (emptied first). */
  dataDir: string;
  /** Receives each line of output. */
  out(line: string): void;
}

export interface DemoOutcome {
  /** The call went as scripted (under a fault: the call was placed and ended). */
  ok: boolean;
  result: callSim.ScenarioResult;
  /** The running stack, with `serve` (closed otherwise). */
  demo?: DemoStack;
}

interface ConversationView {
  messages: Array<{
    role: string;
    text: string | null;
    interrupted: boolean;
    toolName: string | null;
    latency: { responseMs: number | null } | null;
  }>;
}

/** The sign-in a person types at the conversations UI: the brand's slug, never its id. */
export function signInLines(appServerUrl: string): string[] {
  return [
    `Conversations UI: ${appServerUrl}/login?brand=${DEMO_BRAND.slug}`,
    '  (the link fills in the brand; then type)',
    `  brand:    ${DEMO_BRAND.slug}`,
    `  email:    ${STAFF.email}`,
    `  password: ${STAFF.password}`,
  ];
}

export async function runDemo(opts: DemoOptions): Promise<DemoOutcome> {
  const { describeWindow, liveLine, loadScenarioFile, maskNumbers, runScenario, scenarioAccount } = callSim;
  const say = (s: string) => opts.out(maskNumbers(s));
  const { fault } = opts;
  await rm(opts.dataDir, { recursive: true, force: true });
  await mkdir(opts.dataDir, { recursive: true });
  say('Starting ai-server, app-server and voice-server with simulated OpenAI, Twilio and embeddings…');
  const started = performance.now();
  const demo = await startDemoStack(
    opts.brandVoice
      ? {
          profile: { voice: { provider: 'elevenlabs', voiceId: BRAND_VOICE_ID } },
          elevenlabs: { synthesisDelayMs: SYNTHESIS_DELAY_MS },
        }
      : {},
  );
  const { stack } = demo;
  say(
    `  ready in ${ms(performance.now() - started)}; voice-server at ${stack.voiceUrl} (public URL ${PUBLIC_BASE_URL})\n`,
  );

  if (fault) {
    stack.realtime.setFaults(fault.fault.plan);
    if (fault.fault.firstSessionOnly) {
      const stop = stack.realtime.onSession(() => {
        stop();
        stack.realtime.resetFaults();
      });
    }
    say(`Fault "${fault.name}": ${fault.fault.hears}.\n`);
  }

  const voice = callSim.chooseVoice('auto');
  if (voice.notice) say(`Note: ${voice.notice}\n`);
  const loaded = await loadScenarioFile(DEMO_SCENARIO);
  say(
    `Calling ${ACME.number} from ${DEMO_CALLER} (the caller speaks with ${voice.kind === 'espeak' ? 'espeak-ng' : 'simulated speech'})…`,
  );
  const result = await runScenario(
    loaded,
    { ...demo.target, access: demo.access },
    { voice, recordAudio: true, onEvent: (e) => void (liveLine(e) && say(liveLine(e)!)) },
  );
  say(`\nWhat happened, turn by turn (call-sim's account):\n${scenarioAccount(result)}\n`);
  if (result.status === 'error') {
    say(`The demo call could not be placed: ${result.error}`);
    await demo.close();
    return { ok: false, result };
  }
  printSummary(result, say);
  const wav = await callSim.writeCallAudio(opts.dataDir, 'call', result.audio!);
  say(`  both sides saved to ${wav} (left: the caller, right: what the caller heard)\n`);

  // app-server: the transcript support staff read, and the callback the agent promised.
  const list = await stack.staffGet<{ items: Array<{ id: string; callSid: string }> }>('/api/conversations');
  const conversation = list.items.find((c) => c.callSid === result.callSid);
  const view = await stack.staffGet<ConversationView>(`/api/conversations/${conversation?.id}`);
  say('Transcript in app-server (what support staff see):');
  for (const m of view.messages) {
    const text =
      m.role === 'tool' ? `[tool] ${m.toolName}` : `${m.text ?? ''}${m.interrupted ? ' [interrupted]' : ''}`;
    const latency = m.latency?.responseMs ? `  (${m.latency.responseMs} ms)` : '';
    say(`  ${m.role.padEnd(6)} ${text}${latency}`);
  }
  const callbacks = await stack.staffGet<{
    items: Array<{
      status: string;
      reason: string;
      timezone: string;
      windowStart: string | null;
      windowEnd: string | null;
    }>;
  }>('/api/callbacks');
  const promised = result.evidence?.agent?.lines.find((l) => /call you/i.test(l.text))?.text;
  const callbackCheck = result.checks.find((c) => c.check === 'callback');
  say(`\nCallbacks (in the brand's time zone, ${DEMO_TIMEZONE}):`);
  for (const c of callbacks.items) {
    const window = c.windowStart
      ? describeWindow(new Date(c.windowStart), c.windowEnd ? new Date(c.windowEnd) : null, DEMO_TIMEZONE)
      : 'no window';
    say(
      `  ${c.status}: ${c.reason}, ${window} (stored ${c.windowStart ?? '-'}; caller's zone ${c.timezone})`,
    );
  }
  if (promised) say(`  the agent said: "${promised}"`);
  if (callbackCheck)
    say(
      `  ${callbackCheck.status === 'passed' ? '✓ the booking matches' : '✗ the booking does not match'} ${callbackCheck.expected}`,
    );
  say(
    `\nTwilio REST calls made by voice-server: ${stack.twilioRest.requests.length} (hang-up, transfer, apologies)`,
  );
  await printHandOffs(stack, conversation?.id, say);
  await printAnalysis(stack, conversation?.id, say);

  if (opts.brandVoice) await printBrandVoice(stack, BRAND_VOICE_ID, SYNTHESIS_DELAY_MS, say);

  if (fault) {
    const page = await (await fetch(`${stack.voiceUrl}/metrics`)).text();
    say(`\nvoice-server /metrics after the "${fault.name}" fault:`);
    for (const line of metricLines(page, fault.fault.metrics)) say(`  ${line}`);
  }

  // Under a fault the script's expectations may not hold (that is the point); the call was placed and ended.
  const ok = fault !== undefined || (result.status === 'passed' && callbacks.items.length === 1);
  if (opts.serve) {
    const access = await demo.serveAccess();
    say(
      [
        '',
        ...signInLines(stack.appServer.url),
        '',
        'Run scenarios against this stack in another terminal:',
        `  pnpm call-sim run --target ${access.url} examples/scenarios/*.yaml`,
        'Ctrl-C to stop.',
      ].join('\n'),
    );
    return { ok, result, demo };
  }
  say(
    `\nRun \`pnpm demo:run --serve\` to keep the conversations UI up (sign in to brand ${DEMO_BRAND.slug} as ${STAFF.email}) and run call-sim against it.`,
  );
  await demo.close();
  if (!ok) say('\nThe demo call did not go as scripted (see the ✗ above).');
  return { ok, result };
}
