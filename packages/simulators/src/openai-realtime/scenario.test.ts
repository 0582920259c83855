import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REPLY_TEXT,
  loadScenario,
  parseScenario,
  type Scenario,
  ScenarioError,
  ScenarioPlayer,
} from './scenario.ts';

let counter = 0;
const ids = () => `call_${++counter}`;

const acme: Scenario = {
  greeting: 'Hi, thanks for calling Acme.',
  turns: [
    {
      user: 'where is my order',
      say: 'Let me check.',
      toolCalls: [{ name: 'get_knowledge', arguments: { query: 'order status' } }],
      afterTools: 'Your order ships tomorrow.',
    },
    { user: 'thanks', say: 'You are welcome.' },
    { userText: '^digit: ?1$', say: 'You pressed one.' },
  ],
  default: 'Could you say that again?',
};

describe('parseScenario', () => {
  it('accepts the documented format', () => {
    expect(parseScenario(acme)).toEqual(acme);
  });

  it.each([
    [{ greting: 'x' }, 'scenario.greting'],
    [{ turns: {} }, 'scenario.turns'],
    [{ turns: [{ say: 5 }] }, 'scenario.turns[0].say'],
    [{ turns: [{ toolCalls: [{ arguments: {} }] }] }, 'scenario.turns[0].toolCalls[0].name'],
    [{ turns: [{ userText: '(' }] }, 'scenario.turns[0].userText'],
    [{ turns: [{ say: 'x', afterTools: { sya: 'typo' } }] }, 'scenario.turns[0].afterTools.sya'],
    [{ msPerChar: -1 }, 'scenario.msPerChar'],
    [{ faults: { dropSocket: { afterAudioDeltas: 2, mode: 'explode' } } }, 'scenario.faults'],
  ])('rejects %j naming %s', (value, field) => {
    expect(() => parseScenario(value)).toThrow(ScenarioError);
    expect(() => parseScenario(value)).toThrow(field);
  });
});

describe('loadScenario', () => {
  let dir: string | null = null;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = null;
  });

  it('reads a JSON file', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scenario-'));
    const file = join(dir, 'acme.json');
    await writeFile(file, JSON.stringify(acme));
    expect(await loadScenario(file)).toEqual(acme);
  });

  it('reports unreadable and invalid files as ScenarioError', async () => {
    dir = await mkdtemp(join(tmpdir(), 'scenario-'));
    await expect(loadScenario(join(dir, 'missing.json'))).rejects.toThrow(ScenarioError);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ not json');
    await expect(loadScenario(bad)).rejects.toThrow('not valid JSON');
  });
});

describe('ScenarioPlayer', () => {
  it('greets first, then answers audio turns in order, then falls back to default', () => {
    const player = new ScenarioPlayer(acme, ids);
    expect(player.nextReply()).toMatchObject({ text: 'Hi, thanks for calling Acme.', source: 'greeting' });
    expect(player.userAudioCommitted()).toBe('where is my order');
    const first = player.nextReply();
    expect(first).toMatchObject({ text: 'Let me check.', source: 'turn' });
    expect(first.toolCalls).toEqual([
      {
        name: 'get_knowledge',
        callId: expect.stringMatching(/^call_/),
        arguments: '{"query":"order status"}',
      },
    ]);
    expect(first.afterTools).toEqual({ say: 'Your order ships tomorrow.' });
    expect(player.userAudioCommitted()).toBe('thanks');
    expect(player.nextReply().text).toBe('You are welcome.');
    // the text-triggered turn is never taken by an audio turn
    expect(player.userAudioCommitted()).toBeNull();
    expect(player.nextReply()).toMatchObject({ text: 'Could you say that again?', source: 'default' });
  });

  it('says afterTools only once every call has an output', () => {
    const player = new ScenarioPlayer(acme, ids);
    player.nextReply();
    player.userAudioCommitted();
    const reply = player.nextReply();
    player.expectToolOutputs(
      reply.toolCalls.map((c) => c.callId),
      reply.afterTools,
    );
    expect(player.nextReply().source).toBe('default');
    player.functionOutput(reply.toolCalls[0]!.callId);
    expect(player.nextReply()).toMatchObject({ text: 'Your order ships tomorrow.', source: 'after_tools' });
  });

  it('matches text items against userText, and skips the greeting once the user has spoken', () => {
    const player = new ScenarioPlayer(acme, ids);
    expect(player.textItem('user', 'caller said hello')).toBe(false);
    expect(player.textItem('system', 'digit: 1')).toBe(true);
    expect(player.nextReply().text).toBe('You pressed one.');
    expect(player.nextReply().source).toBe('default');
  });

  it('reads a replayed conversation as a model would: no second greeting, the script moves past what was said', () => {
    // A client that reconnects sends the conversation so far as text items (conversation.item.create).
    const player = new ScenarioPlayer(acme, ids);
    player.assistantItem(); // "Hi, thanks for calling Acme."
    expect(player.textItem('user', 'Where is my  order')).toBe(true);
    player.assistantItem(); // its answer is in the history too
    // The next response (the client's "go on") is not the greeting nor the answered turn again.
    expect(player.nextReply().source).toBe('default');
    expect(player.userAudioCommitted()).toBe('thanks');
    expect(player.nextReply().text).toBe('You are welcome.');
  });

  it('answers the last replayed question when the drop cut its answer off', () => {
    const player = new ScenarioPlayer(acme, ids);
    player.assistantItem();
    player.textItem('user', 'where is my order');
    expect(player.nextReply()).toMatchObject({ text: 'Let me check.', source: 'turn' });
  });

  it('takes a user message of audio only as the next audio turn', () => {
    const player = new ScenarioPlayer(acme, ids);
    player.assistantItem();
    expect(player.audioItem()).toBe(true);
    expect(player.nextReply().text).toBe('Let me check.');
    expect(player.userAudioCommitted()).toBe('thanks');
  });

  it('leaves the script where it is for a replayed text that is not the next turn', () => {
    const player = new ScenarioPlayer(acme, ids);
    expect(player.textItem('user', 'thanks')).toBe(false);
    expect(player.userAudioCommitted()).toBe('where is my order');
  });

  it('uses a built-in default and the idle line', () => {
    const player = new ScenarioPlayer({ idle: 'Are you still there?' }, ids);
    expect(player.nextReply().text).toBe(DEFAULT_REPLY_TEXT);
    expect(player.idleReply()).toMatchObject({ text: 'Are you still there?', source: 'idle' });
  });
});
