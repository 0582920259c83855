// tts: first-audio latency of the ElevenLabs TTS adapter (voice-server's TtsStream) against the
// ElevenLabs simulator with a configured synthesis delay: from the text delta that makes the API
// generate (the flush of a short reply, or the word that fills the chunk schedule's first 120
// characters) to the first mu-law chunk the adapter hands over. The same turns also run through a bare
// `ws` client (JSON out, JSON in, nothing else) on the same simulator, alternating with the adapter.
// Target: the adapter adds ≤ 5 ms to the synthesis delay (medians). The simulator's own work (it
// renders the whole generation as speech before the first message) and the localhost round trip are
// in every figure; the bare client measures them, so what the adapter adds is its median minus the
// bare client's. Both are printed, and the verdict is on the adapter's share.
//
//   BENCH_DELAYS_MS=50,150   synthesis delays to run (default)
//   BENCH_TURNS=60           turns per delay and trigger, for each client (default)
//
// Prints a table and writes bench-results/tts.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startElevenLabsSimulator } from '@switchboard/simulators/elevenlabs';
import WebSocket from 'ws';
import type { TtsStreamEvent } from '../../services/voice-server/src/ports/tts-stream.ts';
import { ElevenLabsTtsStream } from '../../services/voice-server/src/speech/elevenlabs-tts.ts';
import { parseTtsServerMessage } from '../../services/voice-server/src/speech/elevenlabs-tts-protocol.ts';
import { round, type Summary, summarize } from './support/stats.ts';

const here = dirname(fileURLToPath(import.meta.url));
const outFile = join(here, '..', '..', 'bench-results', 'tts.json');
const MAX_ADDED_P50_MS = 5;
const KEY = 'xi-bench';
const VOICE_ID = 'JBFqnCBsd6RMkjVDRZzb';
const SCHEDULE = [120, 160, 250, 290];

const delays = list(process.env.BENCH_DELAYS_MS, [50, 150]);
const turns = positiveInt(process.env.BENCH_TURNS, 60);

function list(raw: string | undefined, fallback: number[]): number[] {
  if (!raw) return fallback;
  const xs = raw.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 0)) {
    throw new Error(`BENCH_DELAYS_MS must be a list of integers ≥ 0, got "${raw}"`);
  }
  return xs;
}

function positiveInt(raw: string | undefined, fallback: number): number {
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_TURNS must be a positive integer, got "${raw}"`);
  return n;
}

type Trigger = 'flush' | 'schedule';
const SHORT_REPLY = 'One moment please, I am checking that for you. ';
/** Words of a reply long enough to fill the schedule's first 120 characters. */
const LONG_WORDS = (
  'Thanks for waiting. I found your order and it left our warehouse this morning, so it should ' +
  'reach you by Thursday at the latest, and you will get a text with the tracking link. '
)
  .split(' ')
  .filter(Boolean)
  .map((w) => `${w} `);
/** The word whose arrival fills the first 120 characters: text before it waits, it triggers generation. */
const TRIGGER_AT = LONG_WORDS.findIndex((_, i) => LONG_WORDS.slice(0, i + 1).join('').length >= SCHEDULE[0]!);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What the adapter reported that it should not have (it never throws: its listener is told). */
const problems: string[] = [];

/** Waits for one turn's first audio at a time. */
class FirstAudio {
  private waiting: { id: string; resolve: (atMs: number) => void } | null = null;

  expect(id: string): Promise<number> {
    return new Promise((resolve) => {
      this.waiting = { id, resolve };
    });
  }

  /** Audio of turn `id` arrived now. */
  arrived(id: string | undefined): void {
    const w = this.waiting;
    if (!w || w.id !== id) return;
    this.waiting = null;
    w.resolve(performance.now());
  }
}

/** A client that speaks turns: the adapter, or the bare socket. */
interface TurnClient {
  readonly firstAudio: FirstAudio;
  start(id: string): void;
  text(id: string, text: string): void;
  flush(id: string): void;
  /** The caller barges in: the rest of the turn is dropped. */
  end(id: string): void;
  close(): void;
}

/** One turn; resolves the time from the text that makes the API generate to the first audio. */
async function measureTurn(c: TurnClient, id: string, trigger: Trigger): Promise<number> {
  const first = c.firstAudio.expect(id);
  c.start(id);
  let t0: number;
  if (trigger === 'flush') {
    c.text(id, SHORT_REPLY);
    t0 = performance.now();
    c.flush(id);
  } else {
    for (const w of LONG_WORDS.slice(0, TRIGGER_AT)) c.text(id, w);
    t0 = performance.now();
    c.text(id, LONG_WORDS[TRIGGER_AT]!);
  }
  const t1 = await first;
  c.end(id);
  return t1 - t0;
}

/** The adapter (voice-server's ElevenLabsTtsStream), one turn at a time. */
function adapterClient(baseUrl: string): TurnClient {
  const firstAudio = new FirstAudio();
  const stream = new ElevenLabsTtsStream(
    { apiKey: KEY, baseUrl },
    { voiceId: VOICE_ID },
    (e: TtsStreamEvent) => {
      if (e.type === 'audio') firstAudio.arrived(e.turnId);
      else if (e.type === 'error' || e.type === 'turn_failed' || e.type === 'unavailable') {
        problems.push(JSON.stringify(e));
      }
    },
  );
  return {
    firstAudio,
    start: (id) => stream.startTurn(id),
    text: (id, text) => stream.pushText(id, text),
    flush: (id) => stream.flush(id),
    end: () => stream.cancel(),
    close: () => stream.close(),
  };
}

/** The least a client can do: the same messages over a bare socket, each message parsed, nothing else. */
async function bareClient(wsBaseUrl: string): Promise<TurnClient> {
  const ws = new WebSocket(
    `${wsBaseUrl}/v1/text-to-speech/${VOICE_ID}/multi-stream-input?model_id=eleven_flash_v2_5&output_format=ulaw_8000&inactivity_timeout=180&sync_alignment=true`,
    { headers: { 'xi-api-key': KEY } },
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const firstAudio = new FirstAudio();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { audio?: string; contextId?: string };
    if (m.audio) firstAudio.arrived(m.contextId);
  });
  const send = (m: Record<string, unknown>) => ws.send(JSON.stringify(m));
  return {
    firstAudio,
    start: (id) =>
      send({ text: ' ', context_id: id, generation_config: { chunk_length_schedule: SCHEDULE } }),
    text: (id, text) => send({ text, context_id: id }),
    flush: (id) => send({ text: '', context_id: id, flush: true }),
    end: (id) => send({ context_id: id, close_context: true }),
    close: () => ws.close(),
  };
}

interface Row {
  synthesisDelayMs: number;
  trigger: Trigger;
  turns: number;
  adapterMs: Summary;
  bareMs: Summary;
  /** Adapter median − configured delay (simulator work and round trip included). */
  addedToDelayP50Ms: number;
  /** Bare client median − configured delay: the simulator's work and the round trip alone. */
  floorOverDelayP50Ms: number;
  /** Adapter median − bare client median: what the adapter adds. */
  addedByAdapterP50Ms: number;
  pass: boolean;
}

console.log(
  `tts: ElevenLabs adapter vs a bare ws client, ${turns} turns per delay and trigger, delays ${delays.join(', ')} ms, ` +
    `${cpus().length} CPUs, node ${process.version}`,
);
console.log(
  `schedule trigger: word ${TRIGGER_AT + 1} of the reply fills the first ${SCHEDULE[0]} characters`,
);
const rows: Row[] = [];
for (const delay of delays) {
  const sim = await startElevenLabsSimulator({ apiKey: KEY, synthesisDelayMs: delay });
  const adapter = adapterClient(sim.baseUrl);
  const bare = await bareClient(sim.wsBaseUrl);
  let n = 0;
  const turn = (c: TurnClient, trigger: Trigger) => measureTurn(c, `t${++n}`, trigger);
  try {
    for (const trigger of ['flush', 'schedule'] as const) {
      // warm both paths (JIT, socket buffers) before measuring
      for (let i = 0; i < 3; i++) {
        await turn(adapter, trigger);
        await turn(bare, trigger);
      }
      const a: number[] = [];
      const b: number[] = [];
      // alternate the clients, so both see the same machine
      for (let i = 0; i < turns; i++) {
        a.push(await turn(adapter, trigger));
        await sleep(5);
        b.push(await turn(bare, trigger));
        await sleep(5);
      }
      const adapterMs = summarize(a);
      const bareMs = summarize(b);
      const row: Row = {
        synthesisDelayMs: delay,
        trigger,
        turns,
        adapterMs,
        bareMs,
        addedToDelayP50Ms: adapterMs.p50 - delay,
        floorOverDelayP50Ms: bareMs.p50 - delay,
        addedByAdapterP50Ms: adapterMs.p50 - bareMs.p50,
        pass: adapterMs.p50 - bareMs.p50 <= MAX_ADDED_P50_MS,
      };
      rows.push(row);
    }
  } finally {
    adapter.close();
    bare.close();
    await sim.close();
  }
}

const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
const header = [
  'delay ms',
  'trigger',
  'adapter p50/p99 ms',
  'bare ws p50/p99 ms',
  'adapter−delay p50',
  'bare−delay p50',
  'adapter−bare p50',
  'target',
];
const lines = rows.map((r) => [
  String(r.synthesisDelayMs),
  r.trigger,
  `${fmt(r.adapterMs.p50)}/${fmt(r.adapterMs.p99)}`,
  `${fmt(r.bareMs.p50)}/${fmt(r.bareMs.p99)}`,
  fmt(r.addedToDelayP50Ms),
  fmt(r.floorOverDelayP50Ms),
  fmt(r.addedByAdapterP50Ms),
  r.pass ? 'PASS' : 'FAIL',
]);
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
console.log(line(header));
for (const l of lines) console.log(line(l));
console.log(
  `target: the adapter adds ≤ ${MAX_ADDED_P50_MS} ms to the synthesis delay (medians, adapter − bare client): ` +
    `${rows.every((r) => r.pass) ? 'met' : 'NOT met'}`,
);

// The adapter's own work on each audio message, without sockets or timers: reading and checking one
// message of a second of audio with its alignment (the largest the simulator sends).
const second = Buffer.alloc(8000, 0x7f).toString('base64');
const chars = [...'Thanks for waiting. I found your order. '];
const sample = JSON.stringify({
  audio: second,
  alignment: {
    chars,
    charStartTimesMs: chars.map((_, i) => i * 25),
    charDurationsMs: chars.map(() => 25),
  },
  contextId: 'c1',
});
for (let i = 0; i < 2000; i++) parseTtsServerMessage(sample);
const parseRuns = 20_000;
const parseStart = performance.now();
for (let i = 0; i < parseRuns; i++) parseTtsServerMessage(sample);
const parseUsPerMessage = ((performance.now() - parseStart) * 1000) / parseRuns;
console.log(
  `the adapter's reading of one audio message (1 s of mu-law, ${sample.length} bytes of JSON): ${parseUsPerMessage.toFixed(1)} µs`,
);

mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(
  outFile,
  `${JSON.stringify(
    {
      bench: 'tts',
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '', node: process.version },
      config: {
        delaysMs: delays,
        turns,
        chunkLengthSchedule: SCHEDULE,
        triggers: {
          flush: `a ${SHORT_REPLY.length}-character reply, then flush: latency from the flush`,
          schedule: `a reply in words: latency from word ${TRIGGER_AT + 1}, which fills the first ${SCHEDULE[0]} characters`,
        },
      },
      rows: JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'number' ? round(v) : v))),
      parseUsPerAudioMessage: round(parseUsPerMessage),
      target: {
        maxAddedByAdapterP50Ms: MAX_ADDED_P50_MS,
        measuredAs: 'adapter median − bare ws client median, same simulator, same turns, alternating',
        met: rows.every((r) => r.pass),
      },
      notes:
        'The simulator runs in the same process: its synthesis delay is a timer, then it renders the whole ' +
        'generation as simulated speech before sending the first message, so every figure includes timer slack, ' +
        'that rendering and a localhost round trip; the bare ws client measures that floor.',
    },
    null,
    2,
  )}\n`,
);
console.log(`wrote ${outFile}`);
if (problems.length > 0) {
  console.error(`the adapter reported problems:\n  ${problems.slice(0, 10).join('\n  ')}`);
  process.exit(1);
}
