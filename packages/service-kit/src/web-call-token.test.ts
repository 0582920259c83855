import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newWebCallSid, WebCallTokens } from './web-call-token.ts';

const grant = { brandId: 'acme', profileKey: 'acme-support', staffId: 'staff-1' };

describe('web-call tokens', () => {
  it('grant one call to the profile they were minted for, once', () => {
    const tokens = new WebCallTokens('s3cret');
    const { token, grant: issued } = tokens.issue(grant);
    expect(issued.callSid).toMatch(/^WC[0-9a-f]{32}$/);
    expect(tokens.verify(token)).toEqual({ ok: true, grant: { ...grant, callSid: issued.callSid } });
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'replayed' });
  });

  it('refuse a token after its expiry', () => {
    let now = 1_000_000;
    const tokens = new WebCallTokens('s3cret', () => now, 60_000);
    const { token } = tokens.issue(grant);
    now += 61_000;
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse a token minted with another secret, or with its payload altered', () => {
    const { token } = new WebCallTokens('other').issue(grant);
    const tokens = new WebCallTokens('s3cret');
    expect(tokens.verify(token)).toEqual({ ok: false, reason: 'forged' });
    const [v, , mac] = tokens.issue(grant).token.split('.');
    const globex = Buffer.from(
      JSON.stringify({ b: 'globex', p: 'x', s: 'y', c: newWebCallSid(), e: 9e9 }),
    ).toString('base64url');
    expect(tokens.verify(`${v}.${globex}.${mac}`)).toEqual({ ok: false, reason: 'forged' });
  });

  it('answer any string with a verdict, never a throw or a grant', () => {
    const tokens = new WebCallTokens('s3cret');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (t) => {
        expect(tokens.verify(t).ok).toBe(false);
      }),
    );
  });
});
