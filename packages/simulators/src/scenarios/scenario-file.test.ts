/**
 * Scenario files: the examples parse; whatever text comes in, the parser answers a scenario or a
 * ScenarioFileError naming the line and the field (never another exception); a bad field anywhere is
 * reported at its own line, by its own path; the CLI turns such a file into exit 2.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { main } from '../cli/call-sim.ts';
import { parseScenarioText, ScenarioFileError } from './scenario-file.ts';
import { SCENARIO_SCHEMA } from './scenario-schema.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', '..', '..', 'examples', 'scenarios');

const parseError = (text: string): ScenarioFileError => {
  try {
    parseScenarioText(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ScenarioFileError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioFileError');
};

/** A valid scenario with every kind of turn and expectation. */
const base = () => ({
  name: 'base',
  timezone: 'America/New_York',
  line: { seed: 3, noiseFloorDbfs: -50, echo: { delayMs: 150, attenuationDb: 25 } },
  turns: [
    {
      say: 'How long does shipping take?',
      expect: {
        tools: [{ name: 'get_knowledge', args: { query: { contains: 'shipping' } } }],
        says: ['business days'],
        replyWithinMs: 3000,
      },
      agent: {
        say: 'Let me look.',
        tools: [{ name: 'get_knowledge', args: { query: 'shipping' } }],
        afterTools: 'Three days.',
      },
    },
    { dtmf: '123#', interrupt: { afterMs: 500 } },
    { silenceMs: 2000 },
    { noiseMs: 200 },
    { pauseMs: 300 },
    { hangup: true },
  ],
  expect: {
    callback: { day: 'tomorrow', from: '14:00', to: '16:00' },
    ended: { by: 'agent', reason: 'agent_hangup' },
    transfer: false,
    interruptions: 0,
  },
});

type Path = Array<string | number>;

function setAt(obj: unknown, path: Path, value: unknown): void {
  let node = obj as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
  node[path.at(-1)!] = value;
}

const fieldName = (path: Path) =>
  path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${p}` : p), '');

/** Bad values for fields, each carrying a marker that appears once in the YAML. */
const mutations: Array<{ path: Path; value: unknown; marker: string; problem: RegExp }> = [
  { path: ['turns', 0, 'say'], value: 424242, marker: '424242', problem: /expected string/ },
  { path: ['turns', 1, 'dtmf'], value: '12x34', marker: '12x34', problem: /keypad digits/ },
  {
    path: ['turns', 1, 'interrupt', 'afterMs'],
    value: 'soon-ish',
    marker: 'soon-ish',
    problem: /expected number/,
  },
  { path: ['turns', 2, 'silenceMs'], value: -77, marker: '-77', problem: /must be >= 20/ },
  {
    path: ['turns', 0, 'expect', 'replyWithinMs'],
    value: 'fast-please',
    marker: 'fast-please',
    problem: /expected number/,
  },
  {
    path: ['turns', 0, 'expect', 'tools', 0, 'name'],
    value: 'no such tool!',
    marker: 'no such tool!',
    problem: /tool name/,
  },
  { path: ['expect', 'ended', 'by'], value: 'the-cat', marker: 'the-cat', problem: /one of agent, caller/ },
  { path: ['expect', 'callback', 'from'], value: '2pm-ish', marker: '2pm-ish', problem: /HH:MM/ },
  { path: ['expect', 'callback', 'day'], value: 'someday', marker: 'someday', problem: /today, tomorrow/ },
  { path: ['line', 'noiseFloorDbfs'], value: 12345, marker: '12345', problem: /must be <= 0/ },
  { path: ['to'], value: '555-CALL-ME', marker: '555-CALL-ME', problem: /E\.164/ },
  {
    path: ['turns', 0, 'agent', 'latencyMs'],
    value: 'quick-ish',
    marker: 'quick-ish',
    problem: /expected number/,
  },
  { path: ['language'], value: 'Castilian', marker: 'Castilian', problem: /BCP 47 language tag/ },
  { path: ['turns', 0, 'language'], value: 'es_MX', marker: 'es_MX', problem: /BCP 47 language tag/ },
  { path: ['turns', 0, 'expect', 'language'], value: 'Espanol', marker: 'Espanol', problem: /BCP 47/ },
  { path: ['expect', 'switches'], value: 'every-one', marker: 'every-one', problem: /expected array/ },
];

/** Objects of the base scenario that take only known fields. */
const closedObjects: Path[] = [
  [],
  ['line'],
  ['line', 'echo'],
  ['turns', 0],
  ['turns', 0, 'expect'],
  ['turns', 0, 'agent'],
  ['turns', 1],
  ['turns', 1, 'interrupt'],
  ['turns', 4],
  ['expect'],
  ['expect', 'callback'],
  ['expect', 'ended'],
];

const lineOf = (text: string, marker: string) => text.split('\n').findIndex((l) => l.includes(marker)) + 1;

describe('scenario files', () => {
  it('parses every example, with the line of each turn', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      const text = await readFile(join(EXAMPLES, f), 'utf8');
      const loaded = parseScenarioText(text, f);
      expect(loaded.scenario.turns.length).toBeGreaterThan(0);
      for (const line of loaded.turnLines) expect(text.split('\n')[line - 1]).toMatch(/^\s*- /);
    }
  });

  it('parses the outbound example and refuses an unknown field or a missing task in outbound', async () => {
    const text = await readFile(join(EXAMPLES, 'outbound', 'quote.yaml'), 'utf8');
    const { scenario } = parseScenarioText(text, 'quote.yaml');
    expect(scenario).toMatchObject({
      direction: 'outbound',
      to: '+14155550199',
      outbound: { profile: 'acme-support', task: expect.stringContaining('repaint') },
      expect: { outcome: { price: 450, currency: 'USD' } },
    });
    expect(() => parseScenarioText(text.replace('  task:', '  colour: red\n  task:'), 'quote.yaml')).toThrow(
      /outbound\.colour: unknown field/,
    );
    expect(() => parseScenarioText(text.replace(/^ {2}task:.*$/m, ''), 'quote.yaml')).toThrow(/task/);
    expect(() =>
      parseScenarioText(text.replace('direction: outbound', 'direction: sideways'), 'q.yaml'),
    ).toThrow(/direction/);
  });

  it("reads the Spanish example: the caller's language, texts per language, language expectations", async () => {
    const text = await readFile(join(EXAMPLES, 'spanish-caller.yaml'), 'utf8');
    const { scenario } = parseScenarioText(text, 'spanish-caller.yaml');
    expect(scenario).toMatchObject({
      language: 'es',
      turns: [
        { say: 'Hola, ¿cuánto tarda el envío de mi pedido?', agent: { say: { es: 'Déjeme consultarlo.' } } },
        { expect: { language: 'es' } },
        { hangup: true },
      ],
      expect: {
        languages: ['en', 'es'],
        switches: [{ from: 'en', to: 'es', how: 'detected', served: true }],
      },
    });
    const twice = text.replace('es: Déjeme consultarlo.', 'es: Déjeme consultarlo., es-MX: Deje checo.');
    const err = parseError(twice);
    expect(err.field).toBe('turns[0].agent.say.es-MX');
    expect(err.problem).toBe("a second text for the language 'es'");
    expect(err.line).toBe(lineOf(twice, 'es-MX'));
    expect(parseError(text.replace('en: Let me look', 'english: Let me look')).field).toMatch(
      /^turns\[0\]\.agent\.say/,
    );
    // a switch expectation is a call's, not a turn's
    expect(parseError(text.replace('      language: es\n', '      switches: []\n')).problem).toBe(
      'unknown field',
    );
  });

  it('takes its name from the file when it has none', () => {
    expect(parseScenarioText('turns:\n  - say: hi\n', 'dir/my-case.yaml').scenario.name).toBe('my-case');
  });

  it('names the line and field of a bad value anywhere in the file', () => {
    fc.assert(
      fc.property(fc.constantFrom(...mutations), fc.boolean(), (m, flow) => {
        const scenario = base();
        setAt(scenario, m.path, m.value);
        const text = stringify(scenario, { collectionStyle: flow ? 'flow' : 'any', lineWidth: 0 });
        const err = parseError(text);
        expect(err.field).toBe(fieldName(m.path));
        expect(err.problem).toMatch(m.problem);
        if (!flow) expect(err.line).toBe(lineOf(text, m.marker));
        expect(err.message).toMatch(new RegExp(`^test\\.yaml:${err.line}:${err.column}: `));
      }),
    );
  });

  it('names an unknown field at its own line', () => {
    fc.assert(
      fc.property(fc.constantFrom(...closedObjects), fc.stringMatching(/^[a-z]{3,10}$/), (path, word) => {
        const key = `zz_${word}`;
        const scenario = base();
        const target = path.reduce<Record<string | number, unknown>>(
          (n, p) => n[p] as Record<string | number, unknown>,
          scenario,
        );
        target[key] = 1;
        const text = stringify(scenario, { lineWidth: 0 });
        const err = parseError(text);
        expect(err.field).toBe(fieldName([...path, key]));
        expect(err.problem).toBe('unknown field');
        expect(err.line).toBe(lineOf(text, key));
      }),
    );
  });

  it('answers any text with a scenario or a ScenarioFileError, never a crash', () => {
    const yamlish = fc.stringOf(
      fc.constantFrom(
        'turns:',
        '\n',
        '  ',
        '- ',
        'say: ',
        'hi',
        '{',
        '}',
        '[',
        ']',
        ':',
        '"',
        "'",
        '&a',
        '*a',
        '!!binary',
        '#',
        '12',
        'expect:',
        'dtmf: ',
        '\t',
        '|',
        '>',
      ),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(fc.oneof(yamlish, fc.string(), fc.fullUnicodeString({ maxLength: 60 })), (text) => {
        try {
          parseScenarioText(text, 'fuzz.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(ScenarioFileError);
          expect((err as ScenarioFileError).line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 400 },
    );
  });

  it.each([
    ['turns: [\n', /^test\.yaml:2:1: not valid YAML/],
    ['', /the file is empty/],
    ['- a\n- b\n', /^test\.yaml:1:1: expected object/],
    ['turns:\n  - say: hi\n    dtmf: "1"\n', /turns\[0\]: a turn is one thing: found say and dtmf/],
    ['turns:\n  - shout: hi\n', /turns\[0\]: a turn needs one of say, wav, dtmf/],
    ['turns:\n  - pauseMs: 10\n', /turns: the caller never does anything/],
    ['turns:\n  - say: hi\n    interrupt: {}\n', /turns\[0\]\.interrupt\.afterMs: is required/],
    ['timezone: Mars/Base\nturns:\n  - say: hi\n', /^test\.yaml:1:11: timezone: not an IANA time zone/],
    ['turns:\n  - say: hi\n    expect:\n      says: [{ matches: "(" }]\n', /expected string/],
    [
      'turns:\n  - say: hi\n    expect:\n      tools: [{ name: x, args: { q: { matches: "(" } } }]\n',
      /args\.q\.matches: not a valid regular expression/,
    ],
    ['turns:\n  - say: hi\nturns:\n  - say: again\n', /not valid YAML: Map keys must be unique/],
    ['a: &x [*x]\n', /^test\.yaml:\d+:\d+: /],
  ])('reports %j clearly', (text, message) => {
    expect(parseError(text).message).toMatch(message);
  });

  it('exits 2 from the CLI for a bad file, naming the line and field, and calls no one', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const file = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      '..',
      'test',
      'e2e',
      'call-sim-scenarios',
      'broken.yaml',
    );
    const code = await main(['run', '--url', 'http://127.0.0.1:1', '--auth-token', 't', file], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(
      /broken\.yaml:8:22: turns\[0\]\.expect\.tools\[0\]\.args\.query\.contians: unknown field/,
    );
    expect(out.join('')).toBe('');
  });

  it('keeps the schema file next to the examples up to date (`call-sim schema`)', async () => {
    const onDisk = JSON.parse(await readFile(join(EXAMPLES, 'scenario.schema.json'), 'utf8'));
    expect(onDisk).toEqual(JSON.parse(JSON.stringify(SCENARIO_SCHEMA)));
  });
});
