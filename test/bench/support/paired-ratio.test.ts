import { describe, expect, it } from 'vitest';
import { pairedRatio, targetOrder } from './paired-ratio.ts';

describe('pairedRatio', () => {
  it('takes the median over the pairs the generator drove, leaving out the others', () => {
    const r = pairedRatio([
      { ratio: 1.1, drove: true },
      { ratio: 1.9, drove: false },
      { ratio: 1.3, drove: true },
      { ratio: 1.2, drove: true },
    ]);
    expect(r).toEqual({ median: 1.2, counted: 3, drove: 3, pairs: 4 });
  });

  it('falls back to every pair when the generator drove none, and says so', () => {
    expect(
      pairedRatio([
        { ratio: 1.5, drove: false },
        { ratio: 1.1, drove: false },
      ]),
    ).toEqual({ median: 1.3, counted: 2, drove: 0, pairs: 2 });
  });

  it('has no median without a ratio', () => {
    expect(pairedRatio([{ ratio: null, drove: true }])).toEqual({
      median: null,
      counted: 0,
      drove: 0,
      pairs: 0,
    });
  });
});

describe('targetOrder', () => {
  it('runs the targets in order on odd repeats and reversed on even ones', () => {
    expect(targetOrder(['forwarder', 'voice-server'], 1)).toEqual(['forwarder', 'voice-server']);
    expect(targetOrder(['forwarder', 'voice-server'], 2)).toEqual(['voice-server', 'forwarder']);
    expect(targetOrder(['forwarder', 'voice-server'], 3)).toEqual(['forwarder', 'voice-server']);
  });
});
