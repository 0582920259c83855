import { describe, expect, it } from 'vitest';
import { heardOfItemAt } from './truncation-figures.ts';

describe('heardOfItemAt (the caller playback the truncation figure is measured against)', () => {
  const frame = (at: number, idx: number) => ({ at, bytes: 800, idx });

  it('follows a burst: frames queue and play one after another', () => {
    const media = [frame(0, 0), frame(1, 1), frame(2, 2)];
    expect(heardOfItemAt(media, 100, 150)).toBe(150);
    expect(heardOfItemAt(media, 100, 250)).toBe(250);
  });

  it('leaves the silence when a frame arrives after the buffer ran dry', () => {
    const media = [frame(0, 0), frame(140, 1)];
    expect(heardOfItemAt(media, 100, 120)).toBe(100);
    expect(heardOfItemAt(media, 100, 160)).toBe(120);
  });

  it('counts in the item, from the tag of the frame playing (a reply that resumes mid-item)', () => {
    expect(heardOfItemAt([frame(0, 7)], 100, 30)).toBe(730);
  });

  it('knows nothing before the first frame', () => {
    expect(heardOfItemAt([frame(10, 0)], 100, 5)).toBeUndefined();
  });
});
