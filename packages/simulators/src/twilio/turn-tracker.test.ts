import { describe, expect, it } from 'vitest';
import { TurnTracker } from './turn-tracker.ts';

describe('TurnTracker', () => {
  it('measures reply latency from utterance end to the first reply audio heard', () => {
    const t = new TurnTracker();
    t.begin('q', 0, false);
    t.end(800);
    t.segmentStarted(700, 700); // arrived before the end: not a reply
    expect(t.reports[0]!.responseLatencyMs).toBeUndefined();
    t.segmentStarted(1100, 1150);
    t.segmentStarted(1300, 1300);
    expect(t.reports[0]).toEqual({ index: 0, label: 'q', startMs: 0, endMs: 800, responseLatencyMs: 350 });
  });

  it('leaves a turn without latency when the caller speaks again before any reply', () => {
    const t = new TurnTracker();
    t.begin('a', 0, false);
    t.end(200);
    t.begin('b', 400, false);
    t.end(600);
    t.segmentStarted(900, 900);
    expect(t.reports.map((r) => r.responseLatencyMs)).toEqual([undefined, 300]);
  });

  it('measures barge-in from utterance start to clear, with the audio heard meanwhile', () => {
    const t = new TurnTracker();
    t.begin('interrupt', 1000, true);
    t.heard(800); // 100 ms
    t.heard(400); // 50 ms
    t.cleared(1150);
    t.heard(800); // after the clear: not counted
    expect(t.reports[0]!.bargeIn).toEqual({ stoppedBy: 'clear', latencyMs: 150, heardAfterStartMs: 150 });
  });

  it('closes an unanswered barge-in when the reply starts or the call ends', () => {
    const t = new TurnTracker();
    t.begin('over', 0, true);
    t.heard(1600);
    t.end(300);
    t.segmentStarted(500, 500);
    t.cleared(600);
    expect(t.reports[0]!.bargeIn).toEqual({ stoppedBy: 'not_stopped', heardAfterStartMs: 200 });
    t.begin('again', 1000, true);
    t.close();
    t.cleared(1100);
    expect(t.reports[1]!.bargeIn).toEqual({ stoppedBy: 'not_stopped', heardAfterStartMs: 0 });
  });

  it('has no barge-in for an utterance started in silence', () => {
    const t = new TurnTracker();
    t.begin('calm', 0, false);
    t.cleared(100);
    expect(t.reports[0]!.bargeIn).toBeUndefined();
  });
});
