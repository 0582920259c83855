/**
 * A caller who speaks another language (issue 23): espeak-ng speaks each turn with its voice for the
 * turn's (or the scenario's) language, matched the way `espeak-ng --voices` lists them (a language
 * and the other languages each voice also speaks, with priorities; espeak-ng(1): "-v <voice name>");
 * a language espeak-ng has no voice for makes the scenario unusable before anyone is called.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseVoice, espeakAvailable, wavFileToLine } from './caller-voice.ts';
import { espeakVoiceFor, parseEspeakVoices } from './espeak-voices.ts';
import { runScenario } from './run-scenario.ts';
import { loadScenarioFile } from './scenario-file.ts';

/** Lines of `espeak-ng --voices` (espeak-ng 1.51). */
const LISTING = `Pty Language       Age/Gender VoiceName          File                 Other Languages
 5  de              --/M      German             gmw/de
 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)
 5  en-gb-x-rp      --/M      English_(Received_Pronunciation) gmw/en-GB-x-rp       (en-gb 4)(en 5)
 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)
 5  es              --/M      Spanish_(Spain)    roa/es
 5  es-419          --/M      Spanish_(Latin_America) roa/es-419           (es-mx 6)(es 6)
 5  fr-be           --/M      French_(Belgium)   roa/fr-BE            (fr 8)
 5  fr-fr           --/M      French_(France)    roa/fr               (fr 5)
 5  pt              --/M      Portuguese_(Portugal) roa/pt               (pt-pt 5)
 5  pt-br           --/M      Portuguese_(Brazil) roa/pt-BR            (pt 6)
`;

describe("espeak-ng's voice for a language", () => {
  const voices = parseEspeakVoices(LISTING);
  it('takes the whole tag first, then its language, the voice espeak-ng ranks first', () => {
    const cases: Array<[string | undefined, string | null]> = [
      [undefined, 'en-us'],
      ['en', 'en-us'],
      ['en-US', 'en-us'],
      ['en-GB', 'en-gb'],
      ['es', 'es'],
      ['es-MX', 'es-419'],
      ['es-AR', 'es'],
      ['fr', 'fr-fr'],
      ['fr-CA', 'fr-fr'],
      ['FR-be', 'fr-be'],
      ['pt-BR', 'pt-br'],
      ['pt', 'pt'],
      ['de-AT', 'de'],
      ['tlh', null],
      ['xx-YY', null],
    ];
    for (const [tag, voice] of cases) expect([tag, espeakVoiceFor(tag, voices)]).toEqual([tag, voice]);
  });
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'caller-language-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.skipIf(!espeakAvailable())('with espeak-ng', () => {
  it("speaks a turn with espeak-ng's voice for its language", async () => {
    const voice = chooseVoice('espeak');
    const text = '¿Cuánto tarda el envío?';
    const file = join(dir, 'es.wav');
    const direct = spawnSync('espeak-ng', ['-v', 'es', '-s', '165', '-w', file, '--', text]);
    expect(direct.status).toBe(0);
    const spanish = await voice.speak(text, 'es-ES');
    expect(spanish).toEqual(await wavFileToLine(file));
    expect(await voice.speak(text)).not.toEqual(spanish);
  });

  it('makes a scenario in a language espeak-ng cannot speak unusable before anyone is called', async () => {
    let webhooks = 0;
    const server = createServer((_req, res) => {
      webhooks++;
      res.writeHead(500).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = {
      name: 'test',
      voiceServerUrl: url,
      authToken: 't',
      accountSid: `AC${'0'.repeat(32)}`,
      to: '+18005550100',
      from: '+14155550123',
    };
    try {
      const file = join(dir, 'klingon.yaml');
      await writeFile(file, 'name: klingon\nlanguage: tlh\nturns:\n  - say: nuqneH\n');
      const result = await runScenario(await loadScenarioFile(file), call, { voice: chooseVoice('espeak') });
      expect(result.status).toBe('error');
      expect(result.error).toContain(`${file}:4: turns[0]: espeak-ng has no voice for the language 'tlh'`);
      expect(webhooks).toBe(0);
      // a turn's own language wins over the scenario's
      await writeFile(file, 'name: mixed\nlanguage: tlh\nturns:\n  - say: hola\n    language: es\n');
      await runScenario(await loadScenarioFile(file), call, { voice: chooseVoice('espeak') });
      expect(webhooks).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
