import { describe, expect, it } from 'vitest';
import type { TwilioSessionManager } from './session-manager.ts';
import { SessionRegistry } from './session-registry.ts';

// The registry only holds sessions and compares them by identity: plain objects stand in for them.
const session = () => ({}) as TwilioSessionManager;

/** Whether a promise has settled by the end of the current microtask queue. */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setImmediate(r));
  return done;
}

describe('SessionRegistry: the calls in progress, for draining', () => {
  it('counts and lists the sessions added and not yet deleted, each once', () => {
    const reg = new SessionRegistry();
    const a = session();
    const b = session();
    reg.add(a);
    reg.add(b);
    reg.add(a);
    expect(reg.size).toBe(2);
    expect([...reg]).toEqual([a, b]);
    reg.delete(a);
    expect(reg.size).toBe(1);
    expect([...reg]).toEqual([b]);
  });

  it('is idle at once when no call is in progress', async () => {
    expect(await settled(new SessionRegistry().whenIdle())).toBe(true);
  });

  it('resolves every waiter when the last call ends, not before', async () => {
    const reg = new SessionRegistry();
    const a = session();
    const b = session();
    reg.add(a);
    reg.add(b);
    const first = reg.whenIdle();
    const second = reg.whenIdle();
    reg.delete(a);
    expect(await settled(first)).toBe(false);
    expect(await settled(second)).toBe(false);
    reg.delete(b);
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
  });

  it('a waiter that came after an idle moment waits for the next one', async () => {
    const reg = new SessionRegistry();
    const a = session();
    reg.add(a);
    const before = reg.whenIdle();
    reg.delete(a);
    expect(await settled(before)).toBe(true);
    const b = session();
    reg.add(b);
    const after = reg.whenIdle();
    // Deleting a session it does not hold leaves the registry busy: no waiter is woken.
    reg.delete(a);
    expect(await settled(after)).toBe(false);
    reg.delete(b);
    expect(await settled(after)).toBe(true);
  });
});
