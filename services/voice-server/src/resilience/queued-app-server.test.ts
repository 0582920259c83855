import { Writable } from 'node:stream';
import { createLogger, Errors, ServiceError } from '@switchboard/service-kit';
import type {
  AppServerClient,
  CallbackTicketInput,
  ConversationEnd,
  ConversationStart,
  HandoffTicketInput,
  TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AppSyncMetricsSink,
  PROVISIONAL_TICKET_PREFIX,
  provisionalTicketId,
  QueuedAppServer,
  type QueuedAppServerOptions,
} from './queued-app-server.ts';

type Op = 'start' | 'messages' | 'end' | 'handoff' | 'callback';
interface Attempt {
  op: Op;
  callSid: string;
  atMs: number;
  sequences?: number[];
  idempotencyKey?: string;
}

/**
 * An app-server that is down while `down` is set or for the next `failures` attempts, refuses what
 * `refuse` says, and records every attempt and every request it accepted.
 */
class FakeAppServer implements AppServerClient {
  down = false;
  failures = 0;
  hang = false;
  refuse: (a: Attempt) => unknown = () => undefined;
  readonly attempts: Attempt[] = [];
  readonly accepted: Attempt[] = [];
  private readonly ticketsByKey = new Map<string, string>();

  private async attempt(a: Omit<Attempt, 'atMs'>): Promise<void> {
    const at: Attempt = { ...a, atMs: Date.now() };
    this.attempts.push(at);
    if (this.hang) await new Promise(() => {});
    if (this.down) throw new ServiceError('UPSTREAM_UNREACHABLE', 'connect ECONNREFUSED', 502, true);
    if (this.failures > 0) {
      this.failures--;
      throw Errors.unavailable('app-server restarting');
    }
    const refused = this.refuse(at);
    if (refused) throw refused;
    this.accepted.push(at);
  }

  async startConversation(start: ConversationStart): Promise<void> {
    await this.attempt({ op: 'start', callSid: start.callSid });
  }
  async appendMessages(callSid: string, messages: TranscriptMessage[]): Promise<void> {
    await this.attempt({ op: 'messages', callSid, sequences: messages.map((m) => m.sequence) });
  }
  async endConversation(callSid: string, _end: ConversationEnd): Promise<void> {
    await this.attempt({ op: 'end', callSid });
  }
  async createHandoffTicket(callSid: string, input: HandoffTicketInput) {
    await this.attempt({ op: 'handoff', callSid, idempotencyKey: input.idempotencyKey! });
    return { ticketId: this.ticketFor(input.idempotencyKey!) };
  }
  async createCallbackTicket(callSid: string, input: CallbackTicketInput) {
    await this.attempt({ op: 'callback', callSid, idempotencyKey: input.idempotencyKey! });
    const ticketId = this.ticketFor(input.idempotencyKey!);
    return { ticketId, callbackId: `cb_${ticketId}` };
  }
  private ticketFor(key: string): string {
    let id = this.ticketsByKey.get(key);
    if (!id) {
      id = `ticket_${this.ticketsByKey.size + 1}`;
      this.ticketsByKey.set(key, id);
    }
    return id;
  }

  /** What was accepted for one call, in order, message batches flattened to sequences. */
  timeline(callSid: string): string[] {
    return this.accepted
      .filter((a) => a.callSid === callSid)
      .flatMap((a) => (a.op === 'messages' ? a.sequences!.map((s) => `m${s}`) : [a.op]));
  }
}

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
  get records(): Array<{ level: number; msg: string } & Record<string, unknown>> {
    return this.lines.map((l) => JSON.parse(l));
  }
}

function recordingSink() {
  const events: string[] = [];
  const dropped: Array<{ count: number; reason: string; kind: string }> = [];
  const depth: number[] = [];
  const sink: AppSyncMetricsSink = {
    onDropped: (count, reason, kind) => dropped.push({ count, reason, kind }),
    onQueueDepth: (n) => depth.push(n),
    onDelivered: (kind, n) => events.push(`delivered:${kind}:${n}`),
    onRetry: (kind) => events.push(`retry:${kind}`),
    onProvisionalTicket: (kind) => events.push(`provisional:${kind}`),
  };
  return { sink, events, dropped, depth };
}

function setup(opts: Partial<QueuedAppServerOptions> = {}) {
  const app = new FakeAppServer();
  const logs = new Lines();
  const metrics = recordingSink();
  const queue = new QueuedAppServer(app, {
    logger: createLogger({ name: 'test', level: 'debug', destination: logs }),
    metrics: metrics.sink,
    random: () => 0.5,
    ...opts,
  });
  return { app, queue, logs, ...metrics };
}

const start = (callSid: string): ConversationStart => ({
  callSid,
  botProfileKey: 'acme',
  brandId: 'acme',
  callerNumber: '+14155550123',
  isSip: false,
  startedAt: '2026-11-21T10:00:00.000Z',
});
const end: ConversationEnd = {
  endReason: 'caller_hangup',
  endedAt: '2026-11-21T10:05:00.000Z',
  durationSec: 300,
};
const msg = (sequence: number): TranscriptMessage => ({
  sequence,
  role: sequence % 2 ? 'caller' : 'agent',
  text: `message ${sequence}`,
  startedAt: '2026-11-21T10:00:00.000Z',
  source: 'realtime',
});
const handoff = (over: Partial<HandoffTicketInput> = {}): HandoffTicketInput => ({
  summary: 'Wants a refund',
  transcriptExcerpt: 'caller: refund please',
  knowledgeChunkIds: [],
  ...over,
});

/** Flushes while fake time runs on, as a draining process would wait. */
async function flushed(queue: QueuedAppServer, timeoutMs: number): Promise<boolean> {
  const done = queue.flush(timeoutMs);
  await vi.advanceTimersByTimeAsync(timeoutMs);
  return done;
}

/** True once `p` has settled, without waiting on timers. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('QueuedAppServer', () => {
  it('delivers two concurrent calls in order, exactly once, after app-server comes back', async () => {
    const { app, queue, events } = setup();
    app.down = true;
    // Interleaved as two live calls would make them; none of these waits on app-server.
    const calls = [
      queue.startConversation(start('CA_A')),
      queue.startConversation(start('CA_B')),
      queue.appendMessages('CA_A', [msg(1), msg(2)]),
      queue.appendMessages('CA_B', [msg(1)]),
      queue.appendMessages('CA_A', [msg(3)]),
      queue.appendMessages('CA_B', [msg(2), msg(3)]),
      queue.endConversation('CA_B', end),
      queue.appendMessages('CA_A', [msg(4)]),
      queue.endConversation('CA_A', end),
    ];
    for (const c of calls) expect(await settled(c)).toBe(true);

    await vi.advanceTimersByTimeAsync(20_000);
    expect(app.accepted).toEqual([]);
    expect(app.attempts.length).toBeGreaterThan(4);
    expect(queue.pending).toEqual({ messages: 7, items: 9, calls: 2 });

    app.down = false;
    expect(await flushed(queue, 60_000)).toBe(true);
    expect(app.timeline('CA_A')).toEqual(['start', 'm1', 'm2', 'm3', 'm4', 'end']);
    expect(app.timeline('CA_B')).toEqual(['start', 'm1', 'm2', 'm3', 'end']);
    // The backlog of each call went as one merged batch.
    expect(app.accepted.filter((a) => a.op === 'messages')).toHaveLength(2);
    expect(events.filter((e) => e.startsWith('retry:')).length).toBeGreaterThan(0);
    expect(queue.pending).toEqual({ messages: 0, items: 0, calls: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("carries the call's debit on its own line: retried while ai-server is down, not held up by app-server, and flush waits for it", async () => {
    const { app, queue, events } = setup();
    app.down = true; // app-server is down too: the debit must not wait behind the transcript
    await queue.startConversation(start('CA_A'));
    const debits: number[] = [];
    let aiDown = true;
    const debit = () => {
      debits.push(Date.now());
      return aiDown
        ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
        : Promise.resolve({ ok: true });
    };
    expect(queue.enqueueTask('debit:CA_A', 'debit', debit)).toBe(true);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(debits.length).toBeGreaterThan(2);
    expect(events).toContain('retry:debit');
    // Draining waits: a flush cannot finish while the debit is still owed.
    expect(await flushed(queue, 1_000)).toBe(false);
    aiDown = false;
    app.down = false;
    expect(await flushed(queue, 60_000)).toBe(true);
    const tried = debits.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(debits.length).toBe(tried); // delivered once, never again
    expect(queue.pending).toEqual({ messages: 0, items: 0, calls: 0 });
  });

  it('gives up a debit ai-server refuses (4xx) after one try, and says so', async () => {
    const { queue, logs, dropped } = setup();
    let tries = 0;
    queue.enqueueTask('debit:CA_B', 'debit', () => {
      tries++;
      return Promise.reject(Errors.notFound('no such profile'));
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tries).toBe(1);
    expect(logs.records.map((r) => r.msg)).toContain('ai-server refused a queued request; dropping it');
    expect(dropped).toEqual([{ count: 1, reason: 'rejected', kind: 'debit' }]);
  });

  it('retries a flaky app-server (N failures, then success) without duplicating anything', async () => {
    const { app, queue } = setup();
    app.failures = 5;
    await queue.startConversation(start('CA_A'));
    for (let s = 1; s <= 6; s++) {
      await queue.appendMessages('CA_A', [msg(s)]);
      await vi.advanceTimersByTimeAsync(150);
    }
    await queue.endConversation('CA_A', end);
    expect(await flushed(queue, 120_000)).toBe(true);
    expect(app.timeline('CA_A')).toEqual(['start', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'end']);
    expect(app.attempts.length).toBe(app.accepted.length + 5);
  });

  it('backs off exponentially with jitter, capped', async () => {
    const { app, queue } = setup({ retryBaseMs: 200, retryMaxMs: 30_000 });
    app.down = true;
    await queue.startConversation(start('CA_A'));
    await vi.advanceTimersByTimeAsync(200_000);
    const gaps = app.attempts.slice(1).map((a, i) => a.atMs - app.attempts[i]!.atMs);
    // random() = 0.5: three quarters of 200, 400, 800 ... up to the 30 s cap.
    expect(gaps.slice(0, 9)).toEqual([150, 300, 600, 1200, 2400, 4800, 9600, 19_200, 22_500]);
    expect(new Set(gaps.slice(8))).toEqual(new Set([22_500]));
    queue.close();
  });

  it('keeps the end last when messages arrive after it was queued', async () => {
    const { app, queue } = setup();
    app.down = true;
    await queue.startConversation(start('CA_A'));
    await queue.appendMessages('CA_A', [msg(1)]);
    await queue.endConversation('CA_A', end);
    await queue.appendMessages('CA_A', [msg(2)]);
    app.down = false;
    expect(await flushed(queue, 60_000)).toBe(true);
    expect(app.timeline('CA_A')).toEqual(['start', 'm1', 'm2', 'end']);
  });

  it('drops new messages when the queue is full and reports the loss; never start, end or tickets', async () => {
    const { app, queue, dropped, depth, logs } = setup({ maxQueuedMessages: 5, ticketWaitMs: 100 });
    app.down = true;
    await queue.startConversation(start('CA_A'));
    await queue.appendMessages('CA_A', [msg(1), msg(2), msg(3)]);
    await queue.appendMessages('CA_A', [msg(4), msg(5), msg(6), msg(7)]);
    await queue.appendMessages('CA_A', [msg(8)]);
    const ticket = queue.createHandoffTicket('CA_A', handoff({ idempotencyKey: 'handoff:CA_A' }));
    await queue.endConversation('CA_A', end);
    await vi.advanceTimersByTimeAsync(100);
    expect((await ticket).ticketId).toBe(provisionalTicketId('handoff:CA_A'));
    expect(dropped).toEqual([
      { count: 2, reason: 'queue_full', kind: 'messages' },
      { count: 1, reason: 'queue_full', kind: 'messages' },
    ]);
    expect(depth.at(-1)).toBe(5);
    expect(queue.pending.messages).toBe(5);
    const errors = logs.records.filter((r) => r.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/queue full/);

    app.down = false;
    expect(await flushed(queue, 60_000)).toBe(true);
    expect(app.timeline('CA_A')).toEqual(['start', 'm1', 'm2', 'm3', 'm4', 'm5', 'handoff', 'end']);
    expect(depth.at(-1)).toBe(0);
    expect(logs.records.some((r) => /messages were lost/.test(r.msg) && r.droppedMessages === 3)).toBe(true);
  });

  it('returns a ticket id at once when app-server is up', async () => {
    const { app, queue, events } = setup();
    await queue.startConversation(start('CA_A'));
    const created = await queue.createCallbackTicket('CA_A', {
      phone: '+14155550123',
      timezone: 'UTC',
      reason: 'invoice',
    });
    expect(created).toEqual({ ticketId: 'ticket_1', callbackId: 'cb_ticket_1' });
    expect(events).not.toContain('provisional:callback_ticket');
    expect(app.accepted.find((a) => a.op === 'callback')!.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('queues a ticket under a provisional id and delivers it later with the same idempotency key', async () => {
    const { app, queue, events, logs } = setup();
    await queue.startConversation(start('CA_A'));
    await vi.advanceTimersByTimeAsync(0);
    app.down = true;
    const pending = queue.createHandoffTicket('CA_A', handoff());
    await vi.advanceTimersByTimeAsync(2_999);
    expect(await settled(pending)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { ticketId } = await pending;
    expect(ticketId.startsWith(PROVISIONAL_TICKET_PREFIX)).toBe(true);
    expect(events).toContain('provisional:handoff_ticket');
    // Tried a few times within the wait, then on with backoff.
    const quickTries = app.attempts.filter((a) => a.op === 'handoff').length;
    expect(quickTries).toBeGreaterThan(1);

    await vi.advanceTimersByTimeAsync(60_000);
    await queue.endConversation('CA_A', end);
    app.down = false;
    expect(await flushed(queue, 60_000)).toBe(true);
    const tries = app.attempts.filter((a) => a.op === 'handoff');
    expect(tries.length).toBeGreaterThan(quickTries);
    const keys = new Set(tries.map((a) => a.idempotencyKey));
    expect(keys.size).toBe(1);
    expect(app.accepted.filter((a) => a.op === 'handoff')).toHaveLength(1);
    expect(app.timeline('CA_A')).toEqual(['start', 'handoff', 'end']);
    expect(ticketId).toBe(provisionalTicketId([...keys][0]!));
    expect(queue.ticketIdFor(ticketId)).toBe('ticket_1');
    expect(logs.records.some((r) => r.msg === 'queued ticket delivered' && r.ticketId === 'ticket_1')).toBe(
      true,
    );
  });

  it('tries a new ticket at once even when the call is waiting out a long backoff', async () => {
    const { app, queue } = setup();
    app.down = true;
    await queue.startConversation(start('CA_A'));
    await vi.advanceTimersByTimeAsync(60_000);
    // app-server is back, but the call's next retry is still ~20 s away.
    app.down = false;
    const triesBefore = app.attempts.length;
    const pending = queue.createHandoffTicket('CA_A', handoff({ idempotencyKey: 'handoff:CA_A' }));
    expect(app.attempts.length).toBe(triesBefore + 1);
    await vi.advanceTimersByTimeAsync(0);
    // The start went first, then the ticket, all well within the ticket's wait.
    expect(await pending).toEqual({ ticketId: 'ticket_1' });
    expect(app.timeline('CA_A')).toEqual(['start', 'handoff']);
  });

  it('joins a repeated ticket request with the same key instead of sending it twice', async () => {
    const { app, queue } = setup();
    app.down = true;
    await queue.startConversation(start('CA_A'));
    const first = queue.createHandoffTicket('CA_A', handoff({ idempotencyKey: 'handoff:CA_A' }));
    const second = queue.createHandoffTicket('CA_A', handoff({ idempotencyKey: 'handoff:CA_A' }));
    await vi.advanceTimersByTimeAsync(1_000);
    app.down = false;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await first).toEqual({ ticketId: 'ticket_1' });
    expect(await second).toEqual({ ticketId: 'ticket_1' });
    expect(app.accepted.filter((a) => a.op === 'handoff')).toHaveLength(1);
  });

  it('rejects a ticket that app-server refuses (4xx) within the wait', async () => {
    const { app, queue } = setup();
    await queue.startConversation(start('CA_A'));
    app.refuse = (a) => (a.op === 'callback' ? Errors.badRequest('body.timezone is not known') : undefined);
    await expect(
      queue.createCallbackTicket('CA_A', { phone: '+14155550123', timezone: 'Mars/Base', reason: 'x' }),
    ).rejects.toMatchObject({ statusCode: 400 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('never gives up a batch for one message: a refused append of many is retried one message at a time', async () => {
    const { app, queue, dropped } = setup();
    app.refuse = (a) =>
      a.op === 'messages' && a.sequences!.includes(3)
        ? Errors.badRequest('body.messages[2].text')
        : undefined;
    await queue.startConversation(start('CA_A'));
    // One append of five messages: one item, one request.
    await queue.appendMessages('CA_A', [msg(1), msg(2), msg(3), msg(4), msg(5)]);
    await queue.endConversation('CA_A', end);
    expect(await flushed(queue, 10_000)).toBe(true);
    expect(app.timeline('CA_A')).toEqual(['start', 'm1', 'm2', 'm4', 'm5', 'end']);
    expect(dropped).toEqual([{ count: 1, reason: 'rejected', kind: 'messages' }]);
  });

  it('drops what app-server refuses (4xx other than 408/429) after one try, and goes on', async () => {
    const { app, queue, dropped, logs } = setup();
    app.refuse = (a) => {
      if (a.op === 'start' && a.callSid === 'CA_BAD') return Errors.badRequest('body.callerNumber');
      if (a.op === 'messages' && a.sequences!.includes(3)) return Errors.badRequest('body.messages[0].text');
      if (a.op === 'end') return new ServiceError('HTTP_429', 'slow down', 429, true);
      return undefined;
    };
    await queue.startConversation(start('CA_BAD'));
    app.down = true;
    await queue.startConversation(start('CA_A'));
    await queue.appendMessages('CA_A', [msg(1)]);
    await queue.appendMessages('CA_A', [msg(2)]);
    await queue.appendMessages('CA_A', [msg(3)]);
    await queue.appendMessages('CA_A', [msg(4)]);
    app.down = false;
    await vi.advanceTimersByTimeAsync(1_000);
    // The merged backlog was refused; sent one by one, only the refused message is lost.
    expect(app.timeline('CA_A')).toEqual(['start', 'm1', 'm2', 'm4']);
    expect(dropped).toEqual([
      { count: 1, reason: 'rejected', kind: 'start' },
      { count: 1, reason: 'rejected', kind: 'messages' },
    ]);
    expect(app.attempts.filter((a) => a.sequences?.includes(3))).toHaveLength(2);

    // A 429 is not a refusal: it is retried until it goes through.
    await queue.endConversation('CA_A', end);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(app.attempts.filter((a) => a.op === 'end').length).toBeGreaterThan(2);
    app.refuse = () => undefined;
    expect(await flushed(queue, 60_000)).toBe(true);
    expect(app.timeline('CA_A').at(-1)).toBe('end');
    expect(logs.lines.join('')).not.toContain('+14155550123');
  });

  it('returns from every call promptly even while app-server hangs', async () => {
    const { app, queue } = setup();
    app.hang = true;
    expect(await settled(queue.startConversation(start('CA_A')))).toBe(true);
    expect(await settled(queue.appendMessages('CA_A', [msg(1)]))).toBe(true);
    expect(await settled(queue.endConversation('CA_A', end))).toBe(true);
    const ticket = queue.createHandoffTicket('CA_A', handoff({ idempotencyKey: 'k' }));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(await settled(ticket)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await ticket).toEqual({ ticketId: provisionalTicketId('k') });
    queue.close();
  });

  it('flush resolves false at its timeout while app-server stays down, true once delivered', async () => {
    const { app, queue } = setup();
    expect(await flushed(queue, 1_000)).toBe(true);
    app.down = true;
    await queue.startConversation(start('CA_A'));
    await queue.appendMessages('CA_A', [msg(1)]);
    const first = queue.flush(5_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await first).toBe(false);
    const second = queue.flush(120_000);
    await vi.advanceTimersByTimeAsync(10_000);
    app.down = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await second).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer running when idle, and close() stops everything and reports what was left', async () => {
    const { app, queue, dropped } = setup();
    await queue.startConversation(start('CA_A'));
    await queue.appendMessages('CA_A', [msg(1)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.pending.items).toBe(0);
    expect(vi.getTimerCount()).toBe(0);

    app.down = true;
    await queue.appendMessages('CA_A', [msg(2), msg(3)]);
    await queue.endConversation('CA_A', end);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(vi.getTimerCount()).toBe(1);
    const flushing = queue.flush(60_000);
    queue.close();
    expect(await flushing).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    expect(dropped).toEqual([
      { count: 2, reason: 'closed', kind: 'messages' },
      { count: 1, reason: 'closed', kind: 'end' },
    ]);
    await queue.appendMessages('CA_A', [msg(4)]);
    expect(dropped.at(-1)).toEqual({ count: 1, reason: 'closed', kind: 'messages' });
    await expect(queue.createHandoffTicket('CA_A', handoff())).rejects.toThrow(/closed/);
  });

  it('splits a large append into requests app-server accepts', async () => {
    const { app, queue } = setup({ maxBatchMessages: 200 });
    await queue.startConversation(start('CA_A'));
    await queue.appendMessages(
      'CA_A',
      Array.from({ length: 450 }, (_, i) => msg(i + 1)),
    );
    expect(await flushed(queue, 10_000)).toBe(true);
    const batches = app.accepted.filter((a) => a.op === 'messages').map((a) => a.sequences!.length);
    expect(batches).toEqual([200, 200, 50]);
  });
});
