// How the level meter reads a frame's base64: in whole groups of four digits (a truncated tail adds
// nothing), and up to the first character that is not a base64 digit in a group's first or second
// place (the rest of the frame is not measured).
import { describe, expect, it } from 'vitest';
import { AudioLevels } from './audio-levels.ts';

/** The caller level of one window holding `payloads`. */
function callerLevel(...payloads: string[]): number {
  let level = Number.NaN;
  const levels = new AudioLevels('CA1', (_sid, b) => (level = b.caller[0]!), 250, 1);
  levels.send();
  for (const p of payloads) levels.addCaller(p);
  levels.closeWindow();
  return level;
}

/** Three full-scale samples (0x80 0x80 0x80) and three silent ones (0xFF 0xFF 0xFF). */
const LOUD = 'gICA';
const SILENT = '////';

describe('audio levels: reading base64', () => {
  it('counts whole four-digit groups only: a two- or three-digit tail adds nothing', () => {
    expect(callerLevel(LOUD)).toBe(1);
    expect(callerLevel('gIA')).toBe(0); // 0x80 0x80 unpadded
    expect(callerLevel('gA')).toBe(0); // 0x80 unpadded
    expect(callerLevel(`${SILENT}gIA`)).toBe(0);
  });

  it('stops at a group whose first or second place is not a base64 digit', () => {
    expect(callerLevel(`${SILENT}*///${LOUD}`)).toBe(0);
    expect(callerLevel(`${SILENT}/*//${LOUD}`)).toBe(0);
    expect(callerLevel(`${SILENT}**//${LOUD}`)).toBe(0);
    // what came before the bad group is measured
    expect(callerLevel(`${LOUD}*///${SILENT}`)).toBe(1);
  });
});
