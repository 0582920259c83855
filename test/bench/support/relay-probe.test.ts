import type { RealtimeSimSession } from '@switchboard/simulators/openai-realtime';
import { describe, expect, it } from 'vitest';
import { tagReplyChunk } from './frame-tag.ts';
import { bargeInFigures, downstreamFigures, RelayProbe, upstreamFigures } from './relay-probe.ts';

let clock = 0;
const now = () => clock;
const session = {} as RealtimeSimSession;
const WINDOW = { startMs: 0, endMs: 10_000 };

/** The caller sends frame `chunk` at `at`; returns the append's base64 audio as a relay forwards it. */
function sendFrame(probe: RelayProbe, call: number, chunk: number, at: number): string {
  clock = at;
  const tap = probe.tap(call);
  const frame = new Uint8Array(160).fill(0xff);
  tap.beforeMediaSent!(frame, chunk, false);
  tap.mediaSent!(chunk);
  return Buffer.from(frame).toString('base64');
}

function append(probe: RelayProbe, audio: string, at: number, s = session): void {
  clock = at;
  probe.observer.clientEvent!(s, { type: 'input_audio_buffer.append', audio });
}

function server(probe: RelayProbe, at: number, event: Record<string, unknown>, s = session): void {
  clock = at;
  probe.observer.serverEvent!(s, event);
}

function replyChunk(index: number): Uint8Array {
  const chunk = new Uint8Array(800).fill(0xff);
  tagReplyChunk(chunk, index);
  return chunk;
}

function delta(probe: RelayProbe, at: number, responseId: string, index: number): void {
  const b64 = Buffer.from(replyChunk(index)).toString('base64');
  server(probe, at, { type: 'response.output_audio.delta', response_id: responseId, delta: b64 });
}

function heard(probe: RelayProbe, call: number, at: number, index: number): void {
  clock = at;
  probe.tap(call).mediaReceived!(replyChunk(index));
}

describe('upstream', () => {
  it('times each frame, counts a lost one, and keeps frames sent before session.updated apart', () => {
    const probe = new RelayProbe(now);
    const call = probe.addCall();
    const frames = [1, 2, 3, 4, 5].map((chunk) => sendFrame(probe, call, chunk, chunk * 20));
    append(probe, frames[0]!, 21); // a relay that buffers frames until the session exists
    server(probe, 50, { type: 'session.updated' });
    append(probe, frames[2]!, 61.5);
    append(probe, frames[3]!, 80.25);
    // An untagged append (a relay's own silence) is counted but not matched.
    append(probe, Buffer.alloc(160, 0xff).toString('base64'), 90);
    const up = upstreamFigures(probe, [call], WINDOW);
    expect(up).toMatchObject({ sent: 3, dropped: 1, preSessionSent: 2, preSessionDelivered: 1 });
    expect(up.latenciesMs).toEqual([1.5, 0.25]);
    expect(probe.sessions.get(session)).toMatchObject({ callIndex: call, untaggedAppends: 1 });
    expect(probe.counters.appends).toBe(4);
  });

  it('flags frames of one call reaching another call’s session, and duplicates', () => {
    const probe = new RelayProbe(now);
    const a = probe.addCall();
    const b = probe.addCall();
    const other = {} as RealtimeSimSession;
    server(probe, 0, { type: 'session.updated' });
    const fa = sendFrame(probe, a, 1, 10);
    append(probe, fa, 11);
    append(probe, fa, 12);
    append(probe, sendFrame(probe, b, 1, 10), 13);
    append(probe, sendFrame(probe, b, 2, 30), 31, other);
    const up = upstreamFigures(probe, [a, b], WINDOW);
    expect(up.duplicates).toBe(1);
    expect(up.crossed).toBe(1);
  });

  it('accounts only frames sent before the window ends, and times only those inside it', () => {
    const probe = new RelayProbe(now);
    const call = probe.addCall();
    server(probe, 0, { type: 'session.updated' });
    for (const chunk of [1, 2, 3]) append(probe, sendFrame(probe, call, chunk, chunk * 100), chunk * 100 + 1);
    sendFrame(probe, call, 4, 400); // in flight when the window closed
    const up = upstreamFigures(probe, [call], { startMs: 150, endMs: 350 });
    expect(up).toMatchObject({ sent: 3, dropped: 0 });
    expect(up.latenciesMs).toEqual([1, 1]);
  });
});

describe('downstream', () => {
  it('matches media to deltas in order, counts a dropped delta, and sets late deltas apart', () => {
    const probe = new RelayProbe(now);
    const call = probe.addCall();
    server(probe, 0, { type: 'session.updated' });
    append(probe, sendFrame(probe, call, 1, 1), 2); // binds the session to the call
    server(probe, 10, { type: 'response.created', response: { id: 'A' } });
    for (const i of [0, 1, 2, 3, 4]) delta(probe, 10 + i, 'A', i);
    server(probe, 20, { type: 'input_audio_buffer.speech_started' });
    delta(probe, 21, 'A', 5); // in flight when the caller talked over the reply
    delta(probe, 22, 'A', 6);
    server(probe, 23, { type: 'response.done', response: { id: 'A' } });
    server(probe, 30, { type: 'response.created', response: { id: 'B' } });
    for (const i of [0, 1, 2]) delta(probe, 30 + i, 'B', i);
    for (const [at, idx] of [
      [11, 0],
      [12, 1],
      [13, 2],
      [15, 4], // 3 was lost
      [22, 5], // a late delta that should have been dropped
      [31, 0],
      [32, 1],
      [33.5, 2],
    ] as const)
      heard(probe, call, at, idx);
    const down = downstreamFigures(probe, [call], WINDOW);
    expect(down).toMatchObject({ sent: 8, dropped: 1, lateSent: 2, lateDelivered: 1, unmatched: 0 });
    expect(down.latenciesMs).toEqual([1, 1, 1, 1, 1, 1, 1.5]);
  });

  it('does not match a new reply to an old reply’s chunk with the same index', () => {
    const probe = new RelayProbe(now);
    const call = probe.addCall();
    server(probe, 0, { type: 'session.updated' });
    append(probe, sendFrame(probe, call, 1, 1), 2);
    delta(probe, 10, 'A', 0); // never delivered
    delta(probe, 5000, 'B', 0);
    heard(probe, call, 5001, 0);
    const down = downstreamFigures(probe, [call], WINDOW);
    expect(down).toMatchObject({ sent: 2, dropped: 1 });
    expect(down.latenciesMs).toEqual([1]);
  });
});

describe('barge-in', () => {
  it('pairs each speech_started with the next clear and counts the ones without', () => {
    const probe = new RelayProbe(now);
    const call = probe.addCall();
    append(probe, sendFrame(probe, call, 1, 1), 2);
    const clear = (at: number) => {
      clock = at;
      probe.tap(call).clearReceived!();
    };
    server(probe, 100, { type: 'input_audio_buffer.speech_started' });
    clear(100.4);
    server(probe, 200, { type: 'input_audio_buffer.speech_started' }); // nothing was playing: no clear
    server(probe, 300, { type: 'input_audio_buffer.speech_started' });
    clear(300.8);
    clear(301);
    const b = bargeInFigures(probe, [call], WINDOW);
    expect(b.speechStarted).toBe(3);
    expect(b.latenciesMs.map((x) => Math.round(x * 10) / 10)).toEqual([0.4, 0.8]);
    expect(b.withoutClear).toBe(1);
    expect(b.unexpectedClears).toBe(1);
  });
});
