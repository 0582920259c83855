import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildBaseApp } from './app.ts';
import { findTooDeep, replaceTooDeep } from './json-depth.ts';
import { createLogger } from './logger.ts';
import { findTextProblem, jsonDepth, sanitizeInPlace, sanitizeString, stringProblem } from './text-safety.ts';

const logger = createLogger({ name: 'test', level: 'silent' });

function app() {
  const a = buildBaseApp({ logger, jsonMaxDepth: 8 });
  const body = {
    type: 'object',
    properties: { name: { type: 'string' }, size: { type: 'number' }, data: {} },
  };
  a.post('/things', { schema: { body } }, async (req) => ({ got: req.body }));
  a.post(
    '/third-party',
    { config: { textPolicy: 'sanitize', jsonOverDepth: 'replace', jsonMaxDepth: 4 } },
    async (req) => ({ got: req.body, repairs: req.textRepairs ?? [] }),
  );
  a.get('/echo', async (req) => ({ q: req.query }));
  return a;
}

const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}[]${'}'.repeat(depth - 1)}`;

describe('JSON nesting measured on the raw text', () => {
  it('finds exactly the values deeper than the limit, whatever the document', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 12 }), (value, limit) => {
        const text = JSON.stringify(value);
        const deep = findTooDeep(text, limit);
        expect(deep.length === 0).toBe(jsonDepth(value) <= limit);
        const replaced = JSON.parse(replaceTooDeep(text, deep, '{"cut":true}'));
        expect(jsonDepth(replaced)).toBeLessThanOrEqual(limit + 1);
      }),
    );
  });

  it('names the path to the first too-deep value, keys with escapes included', () => {
    const text = '{"x":[1,{"b\\"q":[[[]]]}]}';
    expect(findTooDeep(text, 4, true)[0]?.path).toBe('x.1.b"q.0');
  });
});

describe('text Postgres can store', () => {
  it('sanitising leaves nothing to refuse and keeps good text as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const r = sanitizeString(s);
        expect(stringProblem(r.text)).toBeUndefined();
        if (!stringProblem(s)) expect(r).toEqual({ text: s, nul: 0, surrogates: 0 });
        expect(r.nul).toBe([...s].filter((c) => c === '\u0000').length);
      }),
    );
  });

  it('repairs keys and values in place, and finds the first problem by path', () => {
    const v = { a: ['ok', 'x\u0000y'], 'k\uD800': { z: '\uDC00' } };
    expect(findTextProblem(v, 'body')).toEqual({ path: 'body (a property name)', kind: 'surrogate' });
    expect(findTextProblem(v.a, 'body.a')).toEqual({ path: 'body.a.1', kind: 'nul' });
    const repairs = sanitizeInPlace(v, 'body');
    expect(v).toEqual({ a: ['ok', 'xy'], 'k\uFFFD': { z: '\uFFFD' } });
    expect(repairs.map((r) => r.path).sort()).toEqual([
      'body (a property name)',
      'body.a.1',
      'body.k\uFFFD.z',
    ]);
    expect(findTextProblem(v, 'body')).toBeUndefined();
    expect(findTextProblem({ n: [1, Number.POSITIVE_INFINITY] }, 'body')).toEqual({
      path: 'body.n.1',
      kind: 'non-finite',
    });
  });
});

describe('the base app refuses what it cannot store, naming the field', () => {
  const post = (url: string, payload: string) =>
    app().inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });

  it('NUL, unpaired surrogates, non-finite numbers and reserved keys are 400s naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['{"name":"a\\u0000b"}', 'body.name must not contain NUL'],
      ['{"name":"\\ud800"}', 'body.name must not contain unpaired'],
      ['{"size":1e400}', 'body.size must be a finite number'],
      ['{"data":{"__proto__":{"x":1}}}', 'body.data.__proto__ uses a reserved'],
    ];
    for (const [payload, message] of cases) {
      const res = await post('/things', payload);
      expect(res.statusCode, payload).toBe(400);
      expect(res.json().error.message).toContain(message);
    }
    const q = await app().inject({ url: '/echo?who=a%00b' });
    expect(q.statusCode).toBe(400);
    expect(q.json().error.message).toBe('querystring.who must not contain NUL (U+0000) characters');
  });

  it('refuses JSON nested past the limit before parsing it, naming where', async () => {
    const res = await post('/things', `{"data":${nested(10_000)}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('body.data.a.a.a.a.a.a.a is nested deeper than 8 levels');
  });

  it('a third-party route repairs text and replaces too-deep values instead', async () => {
    const res = await post('/third-party', `{"t":"a\\u0000b\\ud800","deep":${nested(50)}}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().got).toEqual({
      t: 'ab\uFFFD',
      deep: { a: { a: { a: { sanitized: expect.any(String) } } } },
    });
    expect(res.json().repairs).toEqual([{ path: 'body.t', nul: 1, surrogates: 1 }]);
  });

  it('never repeats the input in an error answer, and maps framework refusals to catalog codes', async () => {
    const a = app();
    const notFound = await a.inject({ url: '/%3Cscript%3Ealert(1)%3C/script%3E' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.body).not.toMatch(/script/i);
    const badJson = await post('/things', '{"name": <b>');
    expect(badJson.json().error).toEqual({ code: 'BAD_REQUEST', message: 'body is not valid JSON' });
    const media = await a.inject({
      method: 'POST',
      url: '/things',
      headers: { 'content-type': 'text/x-evil<b>' },
      payload: 'x',
    });
    expect(media.statusCode).toBe(415);
    expect(media.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(media.body).not.toContain('evil');
    const big = await buildBaseApp({ logger, bodyLimit: 100 }).inject({
      method: 'POST',
      url: '/health-check/live',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'y'.repeat(200) }),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toEqual({
      code: 'PAYLOAD_TOO_LARGE',
      message: 'body is larger than the 100 bytes allowed',
    });
  });

  it('marks JSON answers no-store and every answer nosniff', async () => {
    const res = await app().inject({ url: '/echo' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('any string in any field gives a 200 or a 400 that names the field, never a 5xx', async () => {
    const a = app();
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.constantFrom('name', 'size', 'data'),
        async (s, field) => {
          const res = await a.inject({ method: 'POST', url: '/things', payload: { [field]: s } });
          expect([200, 400]).toContain(res.statusCode);
          if (res.statusCode === 400)
            expect(res.json().error.message).toMatch(new RegExp(`^body\\.${field}\\b`));
        },
      ),
      { numRuns: 200 },
    );
  });
});
