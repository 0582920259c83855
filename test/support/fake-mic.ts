/** A WAV file for Chromium's fake microphone: espeak-ng speaking, padded with silence (sox). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

function run(cmd: string, args: string[], install: string): void {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.error || r.status !== 0)
    throw new Error(
      r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${cmd} is not installed. Install it with: ${install}`
        : `${cmd} failed: ${r.stderr?.toString().trim()}`,
    );
}

/**
 * Writes `text` spoken by espeak-ng after `leadSec` of silence and before `tailSec` more, as 48 kHz
 * 16-bit mono (what `--use-file-for-fake-audio-capture` reads; Chromium loops the file).
 */
export function fakeMicWav(dir: string, text: string, leadSec: number, tailSec: number): string {
  const speech = join(dir, 'speech.wav');
  const out = join(dir, 'fake-mic.wav');
  run('espeak-ng', ['-w', speech, text], 'apt-get install -y espeak-ng');
  run(
    'sox',
    [speech, '-r', '48000', '-c', '1', '-b', '16', out, 'pad', String(leadSec), String(tailSec)],
    'apt-get install -y sox',
  );
  return out;
}
