// A recording report that app-server refuses with 404 (no conversation for the call): retried while
// the conversation may still come (another replica may hold its start), then, when none will (the
// caller hung up during the consent notice), the recording is deleted at Twilio rather than kept
// where no brand can see it, keep it to its retention or delete it. Other answers are untouched.
import { describe, expect, it } from 'vitest';
import { linkOrDelete, RECORDING_LINK_WAIT_MS } from './recording-routes.ts';

const SID = `RE${'a'.repeat(32)}`;
const refused = (statusCode: number) =>
  Object.assign(new Error(`app-server answered ${statusCode}`), { statusCode });

function setup(answers: Array<number | 'ok'>) {
  let clock = 0;
  const deleted: string[] = [];
  const warnings: string[] = [];
  let sends = 0;
  const run = linkOrDelete(
    async () => {
      const a = answers[Math.min(sends++, answers.length - 1)]!;
      if (a !== 'ok') throw refused(a);
      return 'linked';
    },
    SID,
    {
      waitMs: RECORDING_LINK_WAIT_MS,
      now: () => clock,
      deleteRecording: async (sid) => {
        deleted.push(sid);
      },
      log: { warn: (_o, msg) => warnings.push(msg) },
    },
  );
  return { run, deleted, warnings, tick: (ms: number) => (clock += ms), sends: () => sends };
}

describe('a recording report whose conversation is not there', () => {
  it('is retried while the conversation may still come, and linked when it does', async () => {
    const s = setup([404, 404, 'ok']);
    // Thrown without a status code: the outbox treats it as "try again later", not as a refusal.
    const first = await s.run().catch((err: Error & { statusCode?: number }) => err);
    expect(first).toBeInstanceOf(Error);
    expect((first as { statusCode?: number }).statusCode).toBeUndefined();
    s.tick(RECORDING_LINK_WAIT_MS - 1);
    await expect(s.run()).rejects.toThrow('no conversation');
    await expect(s.run()).resolves.toBe('linked');
    expect(s.deleted).toEqual([]);
  });

  it('is deleted at Twilio once no conversation can come', async () => {
    const s = setup([404]);
    await expect(s.run()).rejects.toThrow();
    s.tick(RECORDING_LINK_WAIT_MS);
    await expect(s.run()).resolves.toBeUndefined();
    expect(s.deleted).toEqual([SID]);
    expect(s.warnings).toEqual(['recording of a call without a conversation deleted at Twilio']);
  });

  it('keeps other refusals final and other failures retried, as the outbox decides', async () => {
    for (const status of [400, 409, 500, 503]) {
      const s = setup([status]);
      s.tick(RECORDING_LINK_WAIT_MS * 2);
      await expect(s.run()).rejects.toMatchObject({ statusCode: status });
      expect(s.deleted).toEqual([]);
    }
  });

  it('retries the deletion when Twilio fails it (the outbox runs the task again)', async () => {
    let clock = 0;
    let fails = 1;
    const deleted: string[] = [];
    const run = linkOrDelete(
      async () => {
        throw refused(404);
      },
      SID,
      {
        waitMs: 10,
        now: () => clock,
        deleteRecording: async (sid) => {
          if (fails-- > 0) throw new Error('Twilio unreachable');
          deleted.push(sid);
        },
        log: { warn: () => {} },
      },
    );
    clock = 10;
    await expect(run()).rejects.toThrow('Twilio unreachable');
    await expect(run()).resolves.toBeUndefined();
    expect(deleted).toEqual([SID]);
  });
});
