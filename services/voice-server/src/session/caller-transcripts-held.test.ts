// External transcripts held for a turn whose Realtime transcript has not come: how many, for which
// turns, what the end of the call does with them, and the figures kept.
import { describe, expect, it } from 'vitest';
import { audioPath, heardWords, transcribedTurn } from '../testing/parts.ts';
import { CallerTranscripts } from './caller-transcripts.ts';

const turn = transcribedTurn;
const ok = (text: string, audioSeconds = 1) => heardWords(text, 'cartesia', audioSeconds);

function parts() {
  const { transcript } = audioPath();
  const ct = new CallerTranscripts(transcript);
  return { transcript, ct };
}

describe('external transcripts waiting for their turn', () => {
  it('holds the 16 newest; the oldest is let go, and the end of the call fills only those held', () => {
    const p = parts();
    for (let i = 0; i < 17; i++) {
      p.transcript.open(`u${i}`, 'caller', new Date());
      p.ct.onExternal(turn(`u${i}`, ok(`words ${i}`)));
    }
    p.ct.settle();
    expect(p.transcript.get('u0')?.text).toBeNull();
    for (let i = 1; i < 17; i++) expect(p.transcript.get(`u${i}`)?.text).toBe(`words ${i}`);
    expect(p.ct.turnsFilled).toBe(16);
    // Nothing is held after the end: a late Realtime transcript changes nothing more.
    p.transcript.finalize('u0', 'late');
    p.ct.onRealtimeDone('u0');
    expect(p.transcript.get('u0')?.text).toBe('late');
  });

  it('a turn the transcript never had is held, and filled if it appears; at the end it is dropped', () => {
    const p = parts();
    p.ct.onExternal(turn('u1', ok('early words')));
    p.transcript.open('u1', 'caller', new Date());
    p.transcript.finalize('u1', '');
    p.ct.onRealtimeDone('u1');
    expect(p.transcript.get('u1')).toMatchObject({
      text: 'early words',
      source: 'transcriber',
      transcriber: 'cartesia',
    });
    p.ct.onExternal(turn('ghost', ok('nobody')));
    expect(() => p.ct.settle()).not.toThrow();
    expect(p.transcript.get('ghost')).toBeUndefined();
  });

  it("is never put on an agent's turn", () => {
    const p = parts();
    p.transcript.open('a1', 'agent', new Date());
    p.ct.onExternal(turn('a1', ok('not mine')));
    p.ct.settle();
    expect(p.transcript.get('a1')?.text).toBeNull();
    expect(p.ct.turnsFilled).toBe(0);
  });

  it('a Realtime transcript of blanks counts as none: the external words replace it', () => {
    const p = parts();
    p.transcript.open('u1', 'caller', new Date());
    p.transcript.finalize('u1', '   ');
    p.ct.onExternal(turn('u1', ok('real words')));
    expect(p.transcript.get('u1')).toMatchObject({ text: 'real words', source: 'transcriber' });
    expect(p.ct.turnsFilled).toBe(1);
  });

  it('an unknown Realtime turn ending releases nothing, and the audio sent is summed over every turn', () => {
    const p = parts();
    p.ct.onRealtimeDone('nope');
    p.ct.onExternal(turn('x', ok('a', 1.5)));
    p.ct.onExternal(
      turn('y', { status: 'failed', provider: 'cartesia', error: 'boom', audioSeconds: 2 } as never),
    );
    expect(p.ct.audioSecondsTranscribed).toBe(3.5);
  });
});
