/**
 * The caller's voice: without espeak-ng (simulated here by a PATH that holds no espeak-ng) `auto`
 * falls back to simulated speech with a notice naming the install command, `espeak` is a clear error;
 * WAV turns are read at any rate and channel count as the line's 8 kHz mu-law, trimmed and levelled.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulawToPcm16, pcm16Audio, writeWav } from '@switchboard/telephony';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recognizeSpeech } from '../speech/recognize.ts';
import { chooseVoice, ESPEAK_INSTALL, wavFileToLine } from './caller-voice.ts';
import { runScenario } from './run-scenario.ts';
import { loadScenarioFile } from './scenario-file.ts';

let dir: string;
const savedPath = process.env.PATH;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'caller-voice-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => {
  process.env.PATH = savedPath;
});

/** This process finds no espeak-ng: its PATH is one empty folder. */
const withoutEspeak = () => {
  process.env.PATH = dir;
};

/** `ms` of a tone between silences, as PCM16 at `rate` with `channels` channels. */
function toneWav(rate: number, channels: number, ms: number, leadMs = 200, tailMs = 300, amplitude = 8000) {
  const frames = Math.round(((leadMs + ms + tailMs) * rate) / 1000);
  const samples = new Int16Array(frames * channels);
  const from = Math.round((leadMs * rate) / 1000);
  const to = from + Math.round((ms * rate) / 1000);
  for (let i = from; i < to; i++)
    for (let c = 0; c < channels; c++)
      samples[i * channels + c] = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
  return writeWav(pcm16Audio(samples, rate, channels));
}

const rmsDbfs = (pcm: Int16Array) => {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return 20 * Math.log10(Math.sqrt(sum / pcm.length) / 32768);
};

describe('without espeak-ng', () => {
  it('auto speaks simulated speech the simulators read, and says how to install espeak-ng', async () => {
    withoutEspeak();
    const voice = chooseVoice('auto');
    expect(voice.kind).toBe('simulated');
    expect(voice.notice).toContain('espeak-ng is not installed');
    expect(voice.notice).toContain(`Install it with: ${ESPEAK_INSTALL}`);
    const audio = await voice.speak('How long does shipping take?');
    // speech-like audio of a plausible length, which the simulated recognisers read back
    expect(audio.length / 8).toBeGreaterThan(500);
    expect(rmsDbfs(mulawToPcm16(audio))).toBeGreaterThan(-40);
    expect(recognizeSpeech(mulawToPcm16(audio), 8000).text).toBe('how long does shipping take?');
  });

  it('espeak is an error naming the install command and the way out', () => {
    withoutEspeak();
    expect(() => chooseVoice('espeak')).toThrow(
      `espeak-ng is not installed; install it with: ${ESPEAK_INSTALL}, or use --voice simulated`,
    );
  });

  it('simulated never looks for espeak-ng and has nothing to say about it', () => {
    withoutEspeak();
    const voice = chooseVoice('simulated');
    expect(voice).toMatchObject({ kind: 'simulated' });
    expect(voice.notice).toBeUndefined();
  });
});

describe('a wav: turn', () => {
  it('reads any rate and channel count as 8 kHz mu-law, without the silence around the voice, at about -20 dBFS', async () => {
    const file = join(dir, 'stereo-16k.wav');
    await writeFile(file, toneWav(16_000, 2, 800, 250, 400, 3000));
    const line = await wavFileToLine(file);
    expect(line.length / 8).toBeGreaterThan(790);
    expect(line.length / 8).toBeLessThan(810);
    expect(rmsDbfs(mulawToPcm16(line))).toBeCloseTo(-20, 0);
  });

  it('keeps the voice of every rate and channel count (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(8000, 11_025, 16_000, 22_050, 24_000, 44_100, 48_000),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 100, max: 1500 }),
        async (rate, channels, ms) => {
          const file = join(dir, `p-${rate}-${channels}-${ms}.wav`);
          await writeFile(file, toneWav(rate, channels, ms));
          const lineMs = (await wavFileToLine(file)).length / 8;
          expect(Math.abs(lineMs - ms)).toBeLessThan(10);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('refuses a silent file and a file that is not a WAV', async () => {
    const silent = join(dir, 'silent.wav');
    await writeFile(silent, writeWav(pcm16Audio(new Int16Array(8000), 8000)));
    await expect(wavFileToLine(silent)).rejects.toThrow('the audio is silent');
    const text = join(dir, 'not.wav');
    await writeFile(text, 'hello, not audio');
    await expect(wavFileToLine(text)).rejects.toThrow(/RIFF/);
  });

  it('is read next to the scenario file; a missing one makes the scenario unusable before anyone is called', async () => {
    // a voice-server that counts webhooks, to prove no call is placed for the missing file
    let webhooks = 0;
    const server = createServer((_req, res) => {
      webhooks++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const target = { name: 'test', voiceServerUrl: url, authToken: 't', accountSid: `AC${'0'.repeat(32)}` };
    const call = { ...target, to: '+18005550100', from: '+14155550123' };
    try {
      await writeFile(join(dir, 'hello.wav'), toneWav(8000, 1, 600));
      const scenario = (wav: string) =>
        `name: wav caller\nturns:\n  - say: hi\n  - wav: ${wav}\n    expect:\n      replyWithinMs: 3000\n`;
      await writeFile(join(dir, 'missing.yaml'), scenario('nowhere.wav'));
      await writeFile(join(dir, 'present.yaml'), scenario('hello.wav'));
      const voice = chooseVoice('simulated');

      const missing = await runScenario(await loadScenarioFile(join(dir, 'missing.yaml')), call, { voice });
      expect(missing.status).toBe('error');
      expect(missing.error).toContain(`${join(dir, 'missing.yaml')}:4: turns[1]:`);
      expect(missing.error).toContain(join(dir, 'nowhere.wav'));
      expect(webhooks).toBe(0);

      // the same scenario with the file beside it gets as far as calling the target
      const present = await runScenario(await loadScenarioFile(join(dir, 'present.yaml')), call, { voice });
      expect(webhooks).toBe(1);
      expect(present.error).toMatch(/webhook answered HTTP 500/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
