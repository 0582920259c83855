/**
 * One benchmark run: N simulated calls through one relay process, with both simulators in this
 * process. Each caller hears the agent, talks over it, pauses for the reply, and again, so every run
 * has many turns and barge-ins. Figures come from the RelayProbe (per-frame latency and loss), the
 * Twilio simulator's reports (audio heard after barging in), /proc (the relay's CPU and memory) and
 * this process's own lag.
 */
import { readFileSync } from 'node:fs';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type RealtimeSimulator, startRealtimeSimulator } from '@switchboard/simulators/openai-realtime';
import {
  type CallerScriptStep,
  createFrameTicker,
  type FrameTicker,
  placeCall,
  type SimulatedCall,
  startTwilioRestFake,
  systemWallClock,
  type TwilioRestFake,
} from '@switchboard/simulators/twilio';
import { type ChildTarget, clockTicksPerSecond, startChildTarget, type TargetName } from './child-target.ts';
import { greetingLatency } from './greeting-latency.ts';
import {
  type BargeInFigures,
  bargeInFigures,
  type DownstreamFigures,
  downstreamFigures,
  type MeasureWindow,
  RelayProbe,
  type UpstreamFigures,
  upstreamFigures,
} from './relay-probe.ts';
import { taggedReplyClip } from './reply-clip.ts';
import { median, type Summary, summarize } from './stats.ts';
import { type TruncationFigures, truncationFigures } from './truncation-figures.ts';

/** voice-server-under-test's Twilio credentials. */
const AUTH_TOKEN = 'bench-auth-token';
const ACCOUNT_SID = 'AC'.padEnd(34, '0');
const PUBLIC_BASE_URL = 'https://voice.bench.test';

/** Audio per Realtime delta; the reply clip is tagged at this grid. */
export const DELTA_MS = 100;
/** Length of the greeting and of every reply (burst: it all arrives at once, then plays). */
export const REPLY_MS = 3000;
/** The caller hears this much of a reply before talking over it. */
export const LISTEN_MS = 1000;
/** How long the caller talks over the agent. */
export const TALK_MS = 600;
/** Silence after talking: server VAD ends the turn after 500 ms, and the reply starts in this pause. */
export const PAUSE_MS = 700;
/** Calls made (and hung up) before the idle reading, so one-time costs stay out of per-call memory. */
const WARMUP_CALLS = 3;
const WARMUP_MS = 3000;
/** Streams opened one after another, before the load, to time stream start → first greeting audio. */
const GREETING_PROBES = 10;
/** Placement gap between calls: placing hundreds at once stalls the generator for most of a second. */
const PLACE_GAP_MS = 10;
/** After the last call is placed, before the window opens. */
const SETTLE_MS = 3000;
/** After the window closes, so frames sent inside it can still arrive. */
const DRAIN_MS = 1500;
/** Frame tickers, phase-shifted, so one tick does not send every call's frame in one burst. */
const TICKER_PHASES = 10;
/** Above this ticker lag (p99), the generator was not keeping 20 ms pacing. */
export const GENERATOR_LAG_LIMIT_MS = 20;

/** What to run. */
export interface RunOptions {
  target: TargetName;
  calls: number;
  /** Length of the measured steady-state window. */
  windowMs: number;
  /** Write a V8 CPU profile of the relay process over the measured window here. */
  cpuProfileDir?: string;
  /** Run the relay on this CPU only (the generator pinned itself elsewhere). */
  relayCpu?: number;
}

/** The load generator's own health during the window. */
export interface GeneratorFigures {
  /** Lateness of each frame tick behind its schedule, ms. */
  tickerLagMs: Summary;
  skippedFrames: number;
  /** Event-loop delay, ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** CPU this process used, as a share of one core. */
  cpuShare: number;
  /** CPU other processes on the machine used meanwhile, in cores: a busy machine skews every figure. */
  otherProcessesCores: number;
  /** False when the generator could not keep the load's pacing: the figures measure it, not the relay. */
  drove: boolean;
}

/** Everything one run measured. */
export interface RunResult {
  target: TargetName;
  calls: number;
  windowMs: number;
  /** Calls that streamed to the end; failures with their end reasons. */
  callsOk: number;
  callFailures: Record<string, number>;
  upstream: UpstreamFigures;
  downstream: DownstreamFigures;
  bargeIn: BargeInFigures;
  /** Stream start → first greeting media frame, one stream at a time on an idle relay, ms. */
  greetingMs: number[];
  /** Truncate offsets against what the caller had heard (relays that truncate). */
  truncation: TruncationFigures;
  /** From the Twilio simulator: audio heard after the caller started talking over the agent, ms. */
  heardAfterBargeInMs: number[];
  /** Barge-ins the relay never stopped (the reply ran on). */
  bargeInsNotStopped: number;
  /** Frames relayed inside the window, both directions (appends parsed + media received). */
  framesRelayed: number;
  relayCpuMs: number;
  /** The part of it spent in the kernel (socket reads and writes, timers), from /proc's stime. */
  relaySystemCpuMs: number;
  /** Relay CPU as a share of one core over the window. */
  relayCpuShare: number;
  idleRssKiB: number;
  /** RSS with half the calls up. */
  halfLoadRssKiB: number;
  loadRssKiB: number;
  generator: GeneratorFigures;
  /** First lines the relay wrote to stderr. */
  relayStderr: string[];
}

interface TickerPhase {
  ticker: FrameTicker;
  originMs: number;
}

/** Lateness of frame ticks behind schedule, recorded while `on`. */
interface LagRecorder {
  on: boolean;
  samplesMs: number[];
}

/**
 * A real-time frame ticker whose origin we know. Its first subscriber records how late each tick
 * fired, before any call's frame is sent.
 */
function phaseTicker(lag: LagRecorder): TickerPhase {
  const phase: TickerPhase = { ticker: undefined as unknown as FrameTicker, originMs: Number.NaN };
  phase.ticker = createFrameTicker({
    clock: {
      now: () => {
        const t = performance.now();
        // The ticker reads the clock once on construction: that is its origin.
        if (Number.isNaN(phase.originMs)) phase.originMs = t;
        return t;
      },
      setTimeout: systemWallClock.setTimeout,
      clearTimeout: systemWallClock.clearTimeout,
    },
  });
  phase.ticker.subscribe((frameMs) => {
    if (lag.on) lag.samplesMs.push(performance.now() - (phase.originMs + frameMs));
  });
  return phase;
}

/** The event-loop monitor's timer period; its samples are the period plus the delay. */
const LOOP_DELAY_RESOLUTION_MS = 2;
const loopDelayMs = (ns: number) => Math.max(0, ns / 1e6 - LOOP_DELAY_RESOLUTION_MS);

/** Busy CPU time of the whole machine so far (all cores), from /proc/stat, in ms. */
function readMachineCpuMs(): { busyMs: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busyMs: ((user! + nice! + system! + irq! + softirq! + steal!) * 1000) / clockTicksPerSecond() };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The caller's part: listen, talk over the agent, pause for the reply, and again. */
function bargeInScript(cycles: number, toneHz: number): CallerScriptStep<SimulatedCall>[] {
  const steps: CallerScriptStep<SimulatedCall>[] = [];
  for (let i = 0; i < cycles; i++) {
    let heardAtStart: number | undefined;
    steps.push({
      until: (c) => {
        heardAtStart ??= c.heardMs;
        return c.isHearingAudio && c.heardMs - heardAtStart >= LISTEN_MS;
      },
      timeoutMs: 10_000,
    });
    steps.push({ audio: { toneHz, ms: TALK_MS }, label: `barge-in ${i + 1}` });
    steps.push({ pauseMs: PAUSE_MS });
  }
  return steps;
}

interface PlacedCall {
  index: number;
  placedAtMs: number;
  call: SimulatedCall | undefined;
  error?: string;
}

async function placeCalls(
  count: number,
  probe: RelayProbe,
  target: ChildTarget,
  rest: TwilioRestFake,
  phases: TickerPhase[],
  cycles: number,
): Promise<PlacedCall[]> {
  const placed: Promise<PlacedCall>[] = [];
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(PLACE_GAP_MS);
    const index = probe.addCall();
    const placedAtMs = performance.now();
    placed.push(
      placeCall({
        voiceServerUrl: target.url,
        ...(target.name === 'voice-server' ? { publicBaseUrl: PUBLIC_BASE_URL } : {}),
        authToken: AUTH_TOKEN,
        accountSid: ACCOUNT_SID,
        from: '+15550100000',
        to: '+15550199999',
        restFake: rest,
        ticker: phases[index % phases.length]!.ticker,
        recordAudio: false,
        mediaTap: probe.tap(index),
        source: bargeInScript(cycles, 300 + (index % 7) * 40),
      }).then(
        (call) => ({ index, placedAtMs, call }),
        (err: Error) => ({ index, placedAtMs, call: undefined, error: err.message }),
      ),
    );
  }
  return Promise.all(placed);
}

async function hangUpAll(calls: PlacedCall[]): Promise<void> {
  await Promise.all(calls.map((c) => c.call?.hangup().catch(() => undefined)));
}

/** Runs one target at one load and returns its figures. */
export async function runLoad(opts: RunOptions): Promise<RunResult> {
  const probe = new RelayProbe();
  const rest = await startTwilioRestFake({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
  let sim: RealtimeSimulator | undefined;
  let target: ChildTarget | undefined;
  const phases: TickerPhase[] = [];
  const lag: LagRecorder = { on: false, samplesMs: [] };
  try {
    sim = await startRealtimeSimulator({
      pacing: 'burst',
      audioChunkMs: DELTA_MS,
      audio: { kind: 'mulaw', audio: taggedReplyClip(DELTA_MS, Math.ceil(REPLY_MS / DELTA_MS) + 4) },
      scenario: {
        greeting: { say: 'Hello, thanks for calling the benchmark line.', audioMs: REPLY_MS },
        default: 'Sure, let me tell you a little more about that for you.',
        msPerChar: REPLY_MS / 'Sure, let me tell you a little more about that for you.'.length,
      },
      logAudioPayloads: false,
      // The probe's observer sees every audio event; a log of 100 calls' appends would only grow.
      logAudioEvents: false,
      observer: probe.observer,
    });
    target = await startChildTarget(opts.target, sim.url, rest.baseUrl, {
      ...(opts.cpuProfileDir
        ? { cpuProfileDir: opts.cpuProfileDir, profileName: `${opts.target}-${opts.calls}` }
        : {}),
      ...(opts.relayCpu !== undefined ? { cpu: opts.relayCpu } : {}),
    });
    for (let i = 0; i < TICKER_PHASES; i++) {
      phases.push(phaseTicker(lag));
      await sleep(20 / TICKER_PHASES);
    }
    const cycleMs = LISTEN_MS + TALK_MS + PAUSE_MS;

    // Warm-up: load lazily compiled paths, so the idle reading is the relay's real baseline.
    const warm = await placeCalls(WARMUP_CALLS, probe, target, rest, phases, 10);
    await sleep(WARMUP_MS);
    await hangUpAll(warm);
    await sleep(1000);
    const greetingMs: number[] = [];
    for (let i = 0; i < GREETING_PROBES; i++)
      greetingMs.push(
        await greetingLatency(
          {
            url: target.url,
            ...(target.name === 'voice-server' ? { publicBaseUrl: PUBLIC_BASE_URL } : {}),
            authToken: AUTH_TOKEN,
            accountSid: ACCOUNT_SID,
          },
          i,
        ),
      );
    await sleep(500);
    const idleRssKiB = target.rssKiB();

    // Half the calls first: the RSS step from half to full load is a second, marginal per-call figure
    // that leaves out memory the runtime adds for any load (e.g. a bigger young generation).
    const half = Math.ceil(opts.calls / 2);
    const totalMs = opts.calls * PLACE_GAP_MS + 2 * SETTLE_MS + opts.windowMs + DRAIN_MS;
    const cycles = Math.ceil(totalMs / cycleMs) + 5;
    const calls = await placeCalls(half, probe, target, rest, phases, cycles);
    const halfRss: number[] = [];
    await sleep(SETTLE_MS - 2000);
    for (let i = 0; i < 4; i++) {
      await sleep(500);
      halfRss.push(target.rssKiB());
    }
    const halfRssKiB = median(halfRss);
    calls.push(...(await placeCalls(opts.calls - half, probe, target, rest, phases, cycles)));
    await sleep(SETTLE_MS);

    // The window.
    lag.on = true;
    const skippedBefore = phases.reduce((n, p) => n + p.ticker.stats().skippedFrames, 0);
    const loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    loopDelay.enable();
    const rssSamples: number[] = [];
    const rssTimer = setInterval(() => rssSamples.push(target!.rssKiB()), 1000);
    const window: MeasureWindow = { startMs: performance.now(), endMs: Number.NaN };
    target.toggleProfile();
    const cpuStart = target.cpuTimesMs();
    const machineStart = readMachineCpuMs();
    const genCpuStart = process.cpuUsage();
    const countersStart = { ...probe.counters };
    await sleep(opts.windowMs);
    window.endMs = performance.now();
    const cpuEnd = target.cpuTimesMs();
    target.toggleProfile();
    const genCpu = process.cpuUsage(genCpuStart);
    const machineEnd = readMachineCpuMs();
    const countersEnd = { ...probe.counters };
    rssSamples.push(target.rssKiB());
    clearInterval(rssTimer);
    loopDelay.disable();
    lag.on = false;
    const skippedFrames = phases.reduce((n, p) => n + p.ticker.stats().skippedFrames, 0) - skippedBefore;

    await sleep(DRAIN_MS);
    const reports = calls.map((c) => c.call?.report());
    await hangUpAll(calls);

    const indexes = calls.map((c) => c.index);
    const callFailures: Record<string, number> = {};
    let callsOk = 0;
    const heardAfter: number[] = [];
    let notStopped = 0;
    calls.forEach((c, k) => {
      const report = reports[k];
      const end = report?.end;
      if (!c.call || !report?.streamSid || (end && end.atMs + c.placedAtMs < window.endMs)) {
        const why = c.error ?? end?.reason ?? 'no stream';
        callFailures[why] = (callFailures[why] ?? 0) + 1;
        return;
      }
      callsOk++;
      for (const turn of report.turns) {
        const startWall = c.placedAtMs + turn.startMs;
        if (!turn.bargeIn || startWall < window.startMs || startWall >= window.endMs) continue;
        if (turn.bargeIn.stoppedBy === 'clear') heardAfter.push(turn.bargeIn.heardAfterStartMs);
        else notStopped++;
      }
    });

    const relaySystemCpuMs = cpuEnd.systemMs - cpuStart.systemMs;
    const relayCpuMs = cpuEnd.userMs - cpuStart.userMs + relaySystemCpuMs;
    const windowMs = window.endMs - window.startMs;
    const tickerLagMs = summarize(lag.samplesMs);
    const generatorCpuMs = (genCpu.user + genCpu.system) / 1000;
    const loadRssKiB = median(rssSamples);
    const machineBusyMs = machineEnd.busyMs - machineStart.busyMs;
    return {
      target: opts.target,
      calls: opts.calls,
      windowMs,
      callsOk,
      callFailures,
      upstream: upstreamFigures(probe, indexes, window),
      downstream: downstreamFigures(probe, indexes, window),
      bargeIn: bargeInFigures(probe, indexes, window),
      greetingMs,
      truncation: truncationFigures(probe, indexes, window, DELTA_MS),
      heardAfterBargeInMs: heardAfter,
      bargeInsNotStopped: notStopped,
      framesRelayed: countersEnd.appends - countersStart.appends + (countersEnd.media - countersStart.media),
      relayCpuMs,
      relaySystemCpuMs,
      relayCpuShare: relayCpuMs / windowMs,
      idleRssKiB,
      halfLoadRssKiB: halfRssKiB,
      loadRssKiB,
      generator: {
        tickerLagMs,
        skippedFrames,
        eventLoopDelayMs: {
          p50: loopDelayMs(loopDelay.percentile(50)),
          p99: loopDelayMs(loopDelay.percentile(99)),
          max: loopDelayMs(loopDelay.max),
        },
        cpuShare: generatorCpuMs / windowMs,
        otherProcessesCores: Math.max(0, machineBusyMs - generatorCpuMs - relayCpuMs) / windowMs,
        drove: tickerLagMs.p99 <= GENERATOR_LAG_LIMIT_MS && skippedFrames === 0 && callsOk === opts.calls,
      },
      relayStderr: target.stderr.slice(0, 10),
    };
  } finally {
    for (const p of phases) p.ticker.close();
    await target?.stop();
    await sim?.close();
    await rest.close();
  }
}
