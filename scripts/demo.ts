// The offline demo: the whole product on this machine (ai-server, app-server, voice-server) with
// simulators of OpenAI, Twilio and the embeddings service. A caller (call-sim's runner, playing
// scripts/demo-call.yaml) rings the Acme line, asks about shipping, interrupts the answer to ask about
// returns, books a callback and says goodbye; the agent hangs up. It shows the call turn by turn, a
// summary with each turn's latency and the barge-in, the transcript support staff see and the
// callback in the brand's time zone. `--serve` keeps the stack up for the UI and for call-sim.
// `--fault NAME` plays the same call with a provider fault (demo-faults.ts) and shows the metric.
// `--voice elevenlabs` gives the Acme profile an ElevenLabs voice (the ElevenLabs simulator speaks it).
// `--outbound` places an outbound call through the brand API instead (test/support/demo-outbound.ts): a person
// answers, the agent records the quote, the brand's webhook gets the signed outcome.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OUTBOUND_OUTCOME, runOutboundDemo } from '../test/support/demo-outbound.ts';
import {
  callSim,
  DEMO_CALLER,
  DEMO_TIMEZONE,
  type DemoStack,
  startDemoStack,
} from '../test/support/demo-stack.ts';
import { ACME, BRAND_VOICE_ID, PUBLIC_BASE_URL, STAFF } from '../test/support/full-stack.ts';
import { DEMO_FAULTS, type DemoFault, isDemoFault, metricLines } from './demo-faults.ts';

const serve = process.argv.includes('--serve');
const outbound = process.argv.includes('--outbound');
const faultArg = process.argv.indexOf('--fault');
const faultName = faultArg >= 0 ? (process.argv[faultArg + 1] ?? '') : undefined;
if (faultName !== undefined && !isDemoFault(faultName)) {
  process.stderr.write(`--fault: expected one of ${Object.keys(DEMO_FAULTS).join(', ')}\n`);
  process.exit(2);
}
const fault: DemoFault | undefined = faultName === undefined ? undefined : DEMO_FAULTS[faultName];
const voiceArg = process.argv.indexOf('--voice');
const voiceName = voiceArg >= 0 ? (process.argv[voiceArg + 1] ?? '') : 'openai';
if (voiceName !== 'openai' && voiceName !== 'elevenlabs') {
  process.stderr.write('--voice: expected openai or elevenlabs\n');
  process.exit(2);
}
const brandVoice = voiceName === 'elevenlabs';
/** The ElevenLabs simulator's synthesis delay before each generation's first audio, in the demo. */
const SYNTHESIS_DELAY_MS = 150;
const dataDir = join(import.meta.dirname, '..', '.data', 'demo');
const SCENARIO = join(import.meta.dirname, 'demo-call.yaml');
const {
  chooseVoice,
  describeWindow,
  liveLine,
  loadScenarioFile,
  maskNumbers,
  runScenario,
  scenarioAccount,
  writeCallAudio,
} = callSim;
type ScenarioResult = callSim.ScenarioResult;

const say = (s: string) => process.stdout.write(`${maskNumbers(s)}\n`);
const ms = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)} ms`);

interface ConversationView {
  messages: Array<{
    role: string;
    text: string | null;
    interrupted: boolean;
    toolName: string | null;
    latency: { responseMs: number | null } | null;
  }>;
}

/** The post-call analysis app-server queued when the call ended (the worker runs inline in the demo). */
async function printAnalysis(stack: DemoStack['stack'], conversationId: string | undefined): Promise<void> {
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

async function main(): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  say('Starting ai-server, app-server and voice-server with simulated OpenAI, Twilio and embeddings…');
  const started = performance.now();
  const demo = await startDemoStack(
    brandVoice
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

  if (outbound) {
    const r = await runOutboundDemo(stack, say);
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

  if (fault) {
    stack.realtime.setFaults(fault.plan);
    if (fault.firstSessionOnly) {
      const stop = stack.realtime.onSession(() => {
        stop();
        stack.realtime.resetFaults();
      });
    }
    say(`Fault "${faultName}": ${fault.hears}.\n`);
  }

  const voice = chooseVoice('auto');
  if (voice.notice) say(`Note: ${voice.notice}\n`);
  const loaded = await loadScenarioFile(SCENARIO);
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
    process.exit(1);
  }
  printSummary(result);
  const wav = await writeCallAudio(dataDir, 'call', result.audio!);
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
  await printAnalysis(stack, conversation?.id);

  if (brandVoice) await printBrandVoice(demo.stack);

  if (fault) {
    const page = await (await fetch(`${stack.voiceUrl}/metrics`)).text();
    say(`\nvoice-server /metrics after the "${faultName}" fault:`);
    for (const line of metricLines(page, fault.metrics)) say(`  ${line}`);
  }

  // Under a fault the script's expectations may not hold (that is the point); the call was placed and ended.
  const ok = fault !== undefined || (result.status === 'passed' && callbacks.items.length === 1);
  if (serve) {
    const access = await demo.serveAccess();
    say(
      [
        '',
        `Conversations UI: ${stack.appServer.url}/login?brand=${encodeURIComponent(stack.ai.brandId)}`,
        '  (the link fills in the brand; then type)',
        `  email:    ${STAFF.email}`,
        `  password: ${STAFF.password}`,
        '',
        'Run scenarios against this stack in another terminal:',
        `  pnpm call-sim run --target ${access.url} examples/scenarios/*.yaml`,
      ].join('\n'),
    );
    // Unmasked: the callee is the simulator's number, and the command must paste as it is.
    process.stdout.write(
      `${[
        "Place an outbound call with the demo brand's key (a simulated person answers):",
        `  export AI=${stack.ai.url} KEY=${stack.ai.apiKey}`,
        `  curl -s -X POST $AI/admin/outbound-calls -H "authorization: Bearer $KEY" -H 'content-type: application/json' \\`,
        `    -d '{"to":"+14155550199","profileKey":"${ACME.profileKey}","task":"Ask when they open on Saturday.","idempotencyKey":"demo-1"}'`,
        '  curl -s $AI/admin/outbound-calls/<id> -H "authorization: Bearer $KEY"',
        'Ctrl-C to stop.',
      ].join('\n')}\n`,
    );
    process.once('SIGINT', () => void demo.close().then(() => process.exit(ok ? 0 : 1)));
    return;
  }
  say(
    `\nRun \`pnpm demo:run --serve\` to keep the conversations UI up (sign in as ${STAFF.email}) and run call-sim against it.`,
  );
  await demo.close();
  if (!ok) {
    say('\nThe demo call did not go as scripted (see the ✗ above).');
    process.exit(1);
  }
}

/** Each turn's latency (the caller stopped speaking → the first audio of the answer heard) and the barge-in. */
function printSummary(result: ScenarioResult): void {
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

/** Where the agent's voice came from, and the TTS's share of each reply's latency. */
async function printBrandVoice(stack: Awaited<ReturnType<typeof startDemoStack>>['stack']): Promise<void> {
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
    `\nThe agent's voice came from ElevenLabs (the simulator, voice ${BRAND_VOICE_ID}): ${contexts.size} answers spoken over ${sockets.length} socket${sockets.length === 1 ? '' : 's'}, ${chars} characters synthesized.`,
  );
  if (count > 0)
    say(
      `  first-audio latency (first text to ElevenLabs → first mu-law frame to Twilio): mean ${ms(sumMs / count)} over ${count} answers (the simulator waits ${SYNTHESIS_DELAY_MS} ms before each generation)`,
    );
}

/** How far into the agent's answer the caller began to speak, as the scenario asked. */
function bargeInPoint(result: ScenarioResult, turn: number): string {
  const t = result.evidence!.turns;
  const prev = t[turn - 1];
  const now = t[turn];
  if (prev?.endMs === undefined || prev.replyLatencyMs === undefined || now?.startMs === undefined)
    return '-';
  return `${((now.startMs - prev.endMs - prev.replyLatencyMs) / 1000).toFixed(1)} s`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
