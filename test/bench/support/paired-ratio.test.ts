import { describe, expect, it } from 'vitest';
import { pairedRatio, targetOrder } from './paired-ratio.ts';

describe('pairedRatio', () => {
  it('takes the median over every pair, and the driven pairs median beside it', () => {
    const r = pairedRatio([
      { ratio: 1.25, drove: true },
      { ratio: 1.9, drove: false },
      { ratio: 1.75, drove: true },
      { ratio: 1.5, drove: false },
    ]);
    expect(r).toEqual({ median: 1.625, drivenMedian: 1.5, drove: 2, pairs: 4 });
  });

  it('has no driven median when the generator drove no pair', () => {
    expect(
      pairedRatio([
        { ratio: 1.5, drove: false },
        { ratio: 1.1, drove: false },
      ]),
    ).toEqual({ median: 1.3, drivenMedian: null, drove: 0, pairs: 2 });
  });

  it('counts no pair without a finite ratio (no forwarder run, or a run that relayed nothing)', () => {
    expect(
      pairedRatio([
        { ratio: null, drove: true },
        { ratio: Number.NaN, drove: true },
      ]),
    ).toEqual({ median: null, drivenMedian: null, drove: 0, pairs: 0 });
  });
});

describe('targetOrder', () => {
  it('runs the targets in order on odd repeats and reversed on even ones', () => {
    expect(targetOrder(['forwarder', 'voice-server'], 1)).toEqual(['forwarder', 'voice-server']);
    expect(targetOrder(['forwarder', 'voice-server'], 2)).toEqual(['voice-server', 'forwarder']);
    expect(targetOrder(['forwarder', 'voice-server'], 3)).toEqual(['forwarder', 'voice-server']);
  });
});
