// The offline demo: the whole product on this machine (ai-server, app-server, voice-server) with
// simulators of OpenAI, Twilio and the embeddings service. A scripted caller rings the Acme line,
// asks two questions (interrupting the first answer), books a callback and says goodbye; the agent
// hangs up. Then it prints what happened and where to look. `--serve` keeps the UI running.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ACME, PUBLIC_BASE_URL, STAFF, startFullStack } from '../test/support/full-stack.ts';

const serve = process.argv.includes('--serve');
const dataDir = join(import.meta.dirname, '..', '.data', 'demo');
const tomorrow = new Date(Date.now() + 24 * 3600_000).toISOString().slice(0, 10);

const say = (s: string) => process.stdout.write(`${s}\n`);
const ms = (n: number | undefined) => (n === undefined ? '-' : `${Math.round(n)} ms`);

async function main(): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  say('Starting ai-server, app-server and voice-server with simulated OpenAI, Twilio and embeddings…');
  const started = performance.now();
  const stack = await startFullStack({
    realtime: {
      pacing: 'burst',
      scenario: {
        greeting: ACME.greeting,
        turns: [
          {
            user: 'How long does shipping take?',
            say: 'Let me look that up.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'how long does shipping take' } }],
            afterTools:
              'Standard shipping takes three to five business days. Express takes one to two days and costs ' +
              '14 dollars 95. Orders placed before 2 pm Eastern ship the same day.',
          },
          {
            user: 'Sorry, and how do returns work?',
            say: 'Sure.',
            toolCalls: [{ name: 'get_knowledge', arguments: { query: 'returns and refunds' } }],
            afterTools: 'You can return unworn items within 30 days. Returns for store credit are free.',
          },
          {
            user: 'Could someone call me back tomorrow afternoon about a warranty claim?',
            toolCalls: [
              {
                name: 'create_callback_ticket',
                arguments: {
                  reason: 'Warranty claim on a jacket',
                  window_start: `${tomorrow}T18:00:00Z`,
                  window_end: `${tomorrow}T20:00:00Z`,
                  timezone: 'America/New_York',
                },
              },
            ],
            afterTools: 'Done. A colleague will call you tomorrow between 2 and 4 pm Eastern.',
          },
          {
            user: "That's all, thank you.",
            toolCalls: [{ name: 'end_call', arguments: { reason: 'the caller is done' } }],
            afterTools: 'Thanks for calling Acme Outfitters. Goodbye!',
          },
        ],
      },
    },
  });
  say(
    `  ready in ${ms(performance.now() - started)}; voice-server at ${stack.voiceUrl} (public URL ${PUBLIC_BASE_URL})\n`,
  );

  const utterance = (label: string, ms: number) => ({ audio: { toneHz: 220, ms, amplitude: 0.3 }, label });
  const quiet =
    (turn: number) => (c: { turns: Array<{ responseLatencyMs?: number }>; isHearingAudio: boolean }) =>
      c.turns[turn]?.responseLatencyMs !== undefined && !c.isHearingAudio;
  say(`Calling ${ACME.number} from +1 415 555 0123…`);
  const call = await stack.call({
    source: [
      { until: (c) => c.heardMs > 1000 && !c.isHearingAudio, timeoutMs: 20_000 },
      utterance('shipping question', 900),
      { pauseMs: 800 },
      { until: (c) => c.turns[0]?.responseLatencyMs !== undefined, timeoutMs: 20_000 },
      { pauseMs: 3500 },
      utterance('interrupts: returns question', 900),
      { pauseMs: 800 },
      { until: quiet(1), timeoutMs: 30_000 },
      utterance('asks for a callback', 1200),
      { pauseMs: 800 },
      { until: quiet(2), timeoutMs: 30_000 },
      utterance('says goodbye', 700),
      { pauseMs: 10_000 },
    ],
  });
  const end = await call.ended;
  const report = call.report();
  say(`  call ended: ${end.reason} after ${(call.nowMs() / 1000).toFixed(1)} s\n`);

  say('What the caller experienced (Twilio simulator):');
  for (const t of report.turns) {
    const barge = t.bargeIn
      ? `  barge-in: playback stopped ${ms(t.bargeIn.latencyMs)} after the caller started, ${ms(t.bargeIn.heardAfterStartMs)} heard over them`
      : '';
    say(
      `  ${t.label.padEnd(30)} first reply audio ${ms(t.responseLatencyMs)} after the caller stopped${barge}`,
    );
  }
  const wav = join(dataDir, 'call.wav');
  await call.writeHeardWav(wav);
  say(`  heard ${(report.heardMs / 1000).toFixed(1)} s of audio; saved to ${wav}\n`);

  // app-server: the transcript support staff read, and the callback the agent promised.
  let conversation: { id: string; endReason: string | null } | undefined;
  for (let i = 0; i < 50 && !conversation?.endReason; i++) {
    const list = await stack.staffGet<{
      items: Array<{ id: string; callSid: string; endReason: string | null }>;
    }>('/api/conversations');
    conversation = list.items.find((c) => c.callSid === call.callSid);
    if (!conversation?.endReason) await new Promise((r) => setTimeout(r, 100));
  }
  const view = await stack.staffGet<{
    messages: Array<{
      role: string;
      text: string | null;
      toolName: string | null;
      latency: { responseMs?: number } | null;
    }>;
    tickets: Array<{ kind: string; status: string; summary: string }>;
  }>(`/api/conversations/${conversation?.id}`);
  say('Transcript in app-server (what support staff see):');
  for (const m of view.messages) {
    const text = m.role === 'tool' ? `[tool] ${m.toolName}` : m.text;
    const latency = m.latency?.responseMs ? `  (${m.latency.responseMs} ms)` : '';
    say(`  ${m.role.padEnd(6)} ${text}${latency}`);
  }
  const callbacks = await stack.staffGet<{
    items: Array<{ phone: string; reason: string; status: string; timezone: string }>;
  }>('/api/callbacks');
  say('\nCallbacks:');
  for (const c of callbacks.items) say(`  ${c.status}: ${c.reason} (${c.timezone})`);
  say(`\nTwilio REST calls made by voice-server: ${stack.twilioRest.requests.length} (the agent's hang-up)`);

  const ui = `${stack.appServer.url}/login`;
  if (serve) {
    say(
      `\nConversations UI: ${ui}\n  brand ${stack.ai.brandId}, ${STAFF.email} / ${STAFF.password}\nCtrl-C to stop.`,
    );
    process.once('SIGINT', () => void stack.close().then(() => process.exit(0)));
    return;
  }
  say(`\nRun \`pnpm demo:run --serve\` to keep the conversations UI up and sign in as ${STAFF.email}.`);
  await stack.close();
  const ok = end.reason === 'completed_via_api' && view.messages.length >= 8 && callbacks.items.length === 1;
  if (!ok) {
    say('\nThe demo call did not go as scripted.');
    process.exit(1);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
