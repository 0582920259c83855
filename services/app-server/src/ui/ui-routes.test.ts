import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Harness,
  msg,
  PASSWORD,
  seedCall,
  staffCookie,
  startBody,
  startHarness,
} from '../testing/harness.ts';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

describe('conversations UI (server-rendered)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ opikUiUrl: 'https://opik.example.com/acme/projects/p1/traces' });
  });
  afterEach(async () => {
    await h.close();
  });

  it('sends a visitor to sign in and back to the page they asked for', async () => {
    await staffCookie(h, 'acme');
    const page = await h.app.inject({ method: 'GET', url: '/conversations?status=active' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2Fconversations%3Fstatus%3Dactive');

    const login = await h.app.inject({ method: 'GET', url: page.headers.location as string });
    expect(login.statusCode).toBe(200);
    expect(login.headers['content-security-policy']).toContain("script-src 'self'");
    expect(login.body).toContain('value="/conversations?status=active"');

    const wrong = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: FORM,
      payload: form({ brandId: 'acme', email: 'staff@acme.test', password: 'nope', next: '/conversations' }),
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong brand, email or password.');
    expect(wrong.body).toContain('value="staff@acme.test"');

    const ok = await h.app.inject({
      method: 'POST',
      url: '/login',
      headers: FORM,
      payload: form({
        brandId: 'acme',
        email: 'staff@acme.test',
        password: PASSWORD,
        next: '/conversations?status=active',
      }),
    });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/conversations?status=active');
    expect(String(ok.headers['set-cookie'])).toMatch(/^sb_session=.+HttpOnly; SameSite=Lax/);
  });

  it('never redirects off-site after sign-in', async () => {
    await staffCookie(h, 'acme');
    for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example']) {
      const ok = await h.app.inject({
        method: 'POST',
        url: '/login',
        headers: FORM,
        payload: form({ brandId: 'acme', email: 'staff@acme.test', password: PASSWORD, next }),
      });
      expect(ok.headers.location).toBe('/conversations');
    }
  });

  it('renders a transcript with markup in it as text', async () => {
    const cookie = await staffCookie(h, 'acme');
    const start = startBody({ callerNumber: '<b>+1415</b>', botProfileKey: 'acme-support' });
    const id = await seedCall(h, start, [
      msg(1, { text: '<script>alert("pwned")</script>' }),
      msg(2, {
        role: 'tool',
        source: 'tool',
        text: null,
        toolName: '<img src=x onerror=alert(2)>',
        toolArguments: { q: '</pre><script>alert(3)</script>' },
        toolResult: '"><svg onload=alert(4)>',
      }),
    ]);
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/tickets/handoff`,
      headers: h.serviceHeaders,
      payload: {
        summary: '<iframe src="https://evil.example">',
        transcriptExcerpt: '<script>x</script>',
        knowledgeChunkIds: ['<k>'],
      },
    });
    const res = await h.app.inject({ method: 'GET', url: `/conversations/${id}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(body).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(body).toContain('&lt;/pre&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
    expect(body).toContain('&lt;iframe src=&quot;https://evil.example&quot;&gt;');
    expect(body).toContain('&lt;b&gt;+1415&lt;/b&gt;');
    // The only script on the page is the app's own.
    expect(body.match(/<script/g)).toHaveLength(1);
    expect(body).not.toMatch(/<(img|svg|iframe|b)[\s>]/);
  });

  it('shows the transcript with speakers, tool calls, latency, markers and the trace link', async () => {
    const cookie = await staffCookie(h, 'acme');
    const start = startBody();
    const id = await seedCall(h, start, [
      msg(1, { role: 'caller', text: 'I need to rebook' }),
      msg(2, {
        role: 'agent',
        text: 'Sure, let me look.',
        latency: { responseMs: 420, firstAudioMs: 610 },
        interrupted: true,
      }),
      msg(3, {
        role: 'tool',
        source: 'tool',
        text: null,
        toolName: 'find_booking',
        toolArguments: '{"ref":"AB12"}',
        toolResult: { found: true },
      }),
    ]);
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/tickets/callback`,
      headers: h.serviceHeaders,
      payload: {
        phone: '+14155550123',
        timezone: 'Europe/Berlin',
        reason: 'Rebooking',
        windowStart: '2026-11-22T08:00:00Z',
        windowEnd: '2026-11-22T10:00:00Z',
      },
    });
    await h.app.inject({
      method: 'POST',
      url: `/internal/conversations/${start.callSid}/end`,
      headers: h.serviceHeaders,
      payload: {
        endReason: 'caller_hangup',
        endedAt: '2026-11-21T10:03:00Z',
        durationSec: 185,
        opikTraceId: 'tr/1',
      },
    });
    const body = (await h.app.inject({ method: 'GET', url: `/conversations/${id}`, headers: { cookie } }))
      .body;
    const transcript = body.slice(body.indexOf('id="messages"'));
    const order = ['I need to rebook', 'Sure, let me look.', 'find_booking'].map((t) =>
      transcript.indexOf(t),
    );
    expect(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!))).toBe(true);
    expect(body).toContain('speech stopped → model first audio 610 ms');
    expect(body).toContain('interrupted');
    expect(body).toContain('Caller barged in');
    expect(body).toContain('&quot;ref&quot;: &quot;AB12&quot;');
    expect(body).toContain('Callback promised · 2026-11-22 09:00 – 11:00 GMT+1 (Europe/Berlin)');
    expect(body).toContain('href="https://opik.example.com/acme/projects/p1/traces?trace=tr%2F1"');
    expect(body).toContain('3 min 05 s');
    expect(body).toContain('Mark done');
  });

  it('marks a callback done and changes a ticket through plain forms', async () => {
    const cookie = await staffCookie(h, 'acme');
    const start = startBody();
    const id = await seedCall(h, start);
    const made = (
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/tickets/callback`,
        headers: h.serviceHeaders,
        payload: { phone: '+14155550123', timezone: 'UTC', reason: 'Call me' },
      })
    ).json();
    const done = await h.app.inject({
      method: 'POST',
      url: `/callbacks/${made.callbackId}/status`,
      headers: { cookie, ...FORM, origin: 'http://localhost:80' },
      payload: form({ status: 'done', returnTo: `/conversations/${id}` }),
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/conversations/${id}`);
    expect((await h.store.getCallback('acme', made.callbackId))?.status).toBe('done');

    const assign = await h.app.inject({
      method: 'POST',
      url: `/tickets/${made.ticketId}/assign`,
      headers: { cookie, ...FORM },
      payload: form({ returnTo: 'https://evil.example' }),
    });
    expect(assign.headers.location).toBe('/tickets');
    expect((await h.store.getTicket('acme', made.ticketId))?.assignee).toBe('staff@acme.test');

    const bad = await h.app.inject({
      method: 'POST',
      url: `/tickets/${made.ticketId}/status`,
      headers: { cookie, ...FORM },
      payload: form({ status: 'whenever' }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('body.status must be one of');
    expect(bad.headers['content-type']).toContain('text/html');
  });

  it('refuses a form posted from another site', async () => {
    const cookie = await staffCookie(h, 'acme');
    const start = startBody();
    await seedCall(h, start);
    const made = (
      await h.app.inject({
        method: 'POST',
        url: `/internal/conversations/${start.callSid}/tickets/callback`,
        headers: h.serviceHeaders,
        payload: { phone: '+14155550123', timezone: 'UTC', reason: 'Call me' },
      })
    ).json();
    const res = await h.app.inject({
      method: 'POST',
      url: `/callbacks/${made.callbackId}/status`,
      headers: { cookie, ...FORM, origin: 'https://evil.example' },
      payload: form({ status: 'cancelled' }),
    });
    expect(res.statusCode).toBe(403);
    expect((await h.store.getCallback('acme', made.callbackId))?.status).toBe('scheduled');
  });

  it('lists conversations with filters, shows a bad filter as a message, and lists tickets', async () => {
    const cookie = await staffCookie(h, 'acme');
    const a = startBody({ callerNumber: '+14155550111' });
    await seedCall(h, a, [msg(1, { text: 'about my invoice' })]);
    await seedCall(h, startBody({ callerNumber: '+14155550222' }), [msg(1, { text: 'about delivery' })]);
    const list = await h.app.inject({
      method: 'GET',
      url: '/conversations?q=invoice&status=&caller=',
      headers: { cookie },
    });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('+14155550111');
    expect(list.body).not.toContain('+14155550222');
    const bad = await h.app.inject({
      method: 'GET',
      url: '/conversations?from=someday',
      headers: { cookie },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('querystring.from must be a date');
    const tickets = await h.app.inject({ method: 'GET', url: '/tickets?status=open', headers: { cookie } });
    expect(tickets.statusCode).toBe(200);
    expect(tickets.body).toContain('No tickets match.');
    const missing = await h.app.inject({ method: 'GET', url: '/conversations/nope', headers: { cookie } });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('Not found');
  });

  it('signs out', async () => {
    const cookie = await staffCookie(h, 'acme');
    const out = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie } });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
  });

  it('shows the brand in the top bar by its name or slug, never by its id', async () => {
    const brandId = '0b6f1c3e-7a51-4c2e-9d0a-5f3b8e2a1c47'; // as ai-server names brands
    const cookie = await staffCookie(h, brandId, 'staff@acme.test');
    const topbar = async () => {
      const page = await h.app.inject({ method: 'GET', url: '/conversations', headers: { cookie } });
      const header = page.body.slice(page.body.indexOf('<header'), page.body.indexOf('</header>'));
      // the harness names its staff after their brand ("Staff of …"): only the brand's place counts
      return header.replace(/<span class="who-name".*?<\/span>/, '');
    };
    const put = (body: object) =>
      h.app.inject({
        method: 'PUT',
        url: `/admin/brands/${brandId}`,
        headers: h.serviceHeaders,
        payload: body,
      });
    expect(await topbar()).not.toContain(brandId);
    expect(await topbar()).not.toContain('who-brand');
    expect((await put({ slug: 'acme' })).statusCode).toBe(200);
    expect(await topbar()).toContain('<span class="who-brand">acme</span>');
    expect((await put({ name: 'Acme Parcels' })).statusCode).toBe(200);
    expect(await topbar()).toContain('<span class="who-brand">Acme Parcels</span>');
  });
});
