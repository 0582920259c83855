import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startChatSimulator } from '@switchboard/simulators/openai-chat';
import { describe, expect, it } from 'vitest';

const cwd = fileURLToPath(new URL('..', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

function run(env: Record<string, string>) {
  const child = spawn(TSX, ['src/main.ts'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c;
  });
  child.stderr.on('data', (c: Buffer) => {
    out += c;
  });
  const exited = new Promise<number | null>((r) => child.on('close', r));
  return { child, exited, output: () => out };
}

describe('main', () => {
  it('stops with a message naming each bad variable', async () => {
    const { exited, output } = run({ PORT: 'eighty', SESSION_SECRET: 'short' });
    expect(await exited).toBe(2);
    expect(output()).toContain('PORT: must be an integer');
    expect(output()).toContain('SERVICE_TOKEN: is required');
    expect(output()).toContain('SESSION_SECRET: must be at least 32 characters');
  }, 30_000);

  it('opens the database, serves, and shuts down on SIGTERM', async () => {
    const { child, exited, output } = run({
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: 'memory',
      SERVICE_TOKEN: 'main-test-token',
      SESSION_SECRET: 'a-session-secret-of-at-least-32-chars',
      LOG_LEVEL: 'info',
    });
    let url: string | undefined;
    for (let i = 0; i < 600 && !url; i++) {
      url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, output()).toBeDefined();
    const ready = await fetch(`${url}/health-check/ready`);
    expect(ready.status).toBe(200);
    const start = await fetch(`${url}/internal/conversations`, {
      method: 'POST',
      headers: { authorization: 'Bearer main-test-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        callSid: 'CAmain',
        botProfileKey: 'p',
        brandId: 'b',
        callerNumber: '+14155550123',
        isSip: false,
        startedAt: new Date().toISOString(),
      }),
    });
    expect(start.status).toBe(201);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output()).not.toContain('main-test-token');
    expect(output()).not.toContain('5550123');
  }, 90_000);

  it('with OPENAI_BASE_URL, analyses an ended call in its inline worker on embedded PGlite', async () => {
    const chat = await startChatSimulator();
    const { child, exited, output } = run({
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: 'memory',
      SERVICE_TOKEN: 'main-test-token',
      SESSION_SECRET: 'a-session-secret-of-at-least-32-chars',
      OPENAI_BASE_URL: chat.openaiBaseUrl,
      LOG_LEVEL: 'info',
    });
    try {
      let url: string | undefined;
      for (let i = 0; i < 600 && !url; i++) {
        url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output())?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, output()).toBeDefined();
      const post = (path: string, body: unknown) =>
        fetch(`${url}${path}`, {
          method: 'POST',
          headers: { authorization: 'Bearer main-test-token', 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      await post('/internal/conversations', {
        callSid: 'CAanalysed',
        botProfileKey: 'p',
        brandId: 'b',
        callerNumber: '+14155550123',
        isSip: false,
        startedAt: new Date().toISOString(),
      });
      const messages = [
        {
          sequence: 1,
          role: 'caller',
          text: 'Where is my delivery?',
          startedAt: new Date().toISOString(),
          source: 'realtime',
        },
      ];
      expect((await post('/internal/conversations/CAanalysed/messages', { messages })).status).toBe(200);
      const end = await post('/internal/conversations/CAanalysed/end', {
        endReason: 'caller_hangup',
        endedAt: new Date().toISOString(),
        durationSec: 30,
      });
      expect(end.status).toBe(200);
      let metrics = '';
      for (let i = 0; i < 300 && !/app_analyses_total\{outcome="done"\} 1/.test(metrics); i++) {
        await new Promise((r) => setTimeout(r, 100));
        metrics = await (await fetch(`${url}/metrics`)).text();
      }
      expect(metrics).toContain('app_analyses_total{outcome="done"} 1');
      expect(metrics).toContain('app_analysis_backlog 0');
      expect(chat.requests).toEqual([expect.objectContaining({ schemaName: 'call_analysis', status: 200 })]);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await chat.close();
    }
  }, 120_000);
});
