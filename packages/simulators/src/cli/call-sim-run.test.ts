/**
 * `call-sim run --voice`: on a machine without espeak-ng (a PATH that holds none), `--voice espeak`
 * stops with exit 2 and the install command before any call; `auto` says it falls back to
 * simulated speech and runs on. A webhook answering TwiML Twilio cannot run is exit 2 with the cause.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { ESPEAK_INSTALL } from '../scenarios/caller-voice.ts';
import { runMain } from './call-sim-run.ts';

let dir: string;
let scenario: string;
let url: string;
let webhooks = 0;
/** What the voice-server here answers to the webhook. */
let twiml: string | undefined;
const server = createServer((_req, res) => {
  webhooks++;
  if (twiml === undefined) res.writeHead(500).end();
  else res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml);
});
const savedPath = process.env.PATH;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'call-sim-run-'));
  scenario = join(dir, 'hello.yaml');
  await writeFile(scenario, 'name: hello\nturns:\n  - say: hello\n');
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.env.PATH = savedPath;
});

async function run(voice: string, path = dir) {
  const out: string[] = [];
  const err: string[] = [];
  process.env.PATH = path; // without espeak-ng by default
  const code = await runMain(['--url', url, '--auth-token', 'token', '--voice', voice, scenario], {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
  });
  process.env.PATH = savedPath;
  return { code, out: out.join(''), err: err.join('') };
}

it('--voice espeak without espeak-ng exits 2 with the install command, before calling anyone', async () => {
  const r = await run('espeak');
  expect(r.code).toBe(2);
  expect(r.err).toBe(
    `call-sim run: espeak-ng is not installed; install it with: ${ESPEAK_INSTALL}, or use --voice simulated\n`,
  );
  expect(r.out).toBe('');
  expect(webhooks).toBe(0);
});

it('--voice auto without espeak-ng says so once and calls with simulated speech', async () => {
  const r = await run('auto');
  expect(r.err).toMatch(
    /^call-sim: espeak-ng is not installed, so caller turns are spoken as simulated speech/,
  );
  expect(r.err).toContain(`Install it with: ${ESPEAK_INSTALL}`);
  expect(r.out).toContain('caller voice: simulated');
  expect(webhooks).toBe(1);
  // the target here answers 500: the scenario is unusable, with the cause
  expect(r.code).toBe(2);
  expect(r.out).toContain('cause: the webhook answered HTTP 500');
});

it('a webhook answering TwiML Twilio cannot run is unusable (exit 2), with the parse error as the cause', async () => {
  twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Connect></Connect></Response>';
  try {
    const r = await run('simulated', savedPath);
    expect(r.code).toBe(2);
    expect(r.out).toContain(
      'cause: TwiML invalid: <Connect> has no <Stream> (Twilio ends such a call: "an application error has occurred")',
    );
    expect(r.out).toMatch(/call {4}ended: Twilio could not run the TwiML$/m);
    expect(r.out).toContain('0 passed, 0 failed, 1 unusable');
  } finally {
    twiml = undefined;
  }
});
