import { describe, expect, it } from 'vitest';
import { buildBaseApp } from '../app.ts';
import { createLogger } from '../logger.ts';
import { answer, dateTime, int, nullable, obj, str } from '../response-schema.ts';
import { bareSuccessSchemas, happyPathProblems } from './openapi-happy-paths.ts';

const logger = createLogger({ name: 'test', destination: { write: () => {} } });

async function subject() {
  const app = buildBaseApp({
    logger,
    openapi: { title: 't', version: '1', description: 'd', answers: () => ({ success: { 200: 'OK' } }) },
  });
  const thing = answer('A thing', obj({ id: str, size: int, seenAt: nullable(dateTime) }));
  void app.register(async (scope) => {
    scope.get('/exact', { schema: { response: { 200: thing } } }, async () => ({
      id: 'a',
      size: 1,
      seenAt: null,
    }));
    // Answers a field its schema does not name, and a wrong type.
    scope.get('/extra', { schema: { response: { 200: thing } } }, async () => ({
      id: 'a',
      size: 1,
      seenAt: null,
      secret: 'x',
    }));
    scope.get('/wrong', { schema: { response: { 200: thing } } }, async () => ({
      id: 'a',
      size: 'big',
      seenAt: 1,
    }));
    // Documented 200 (the default), answers 202.
    scope.post('/queued', async (_req, reply) => reply.status(202).send({ status: 'queued' }));
    scope.get('/bare', async () => ({ anything: true }));
  });
  await app.ready();
  const doc = (await app.inject({ url: '/openapi.json' })).json();
  return { app, doc };
}

describe('happyPathProblems', () => {
  it('accepts an answer its schema describes, null where nullable', async () => {
    const { app, doc } = await subject();
    const exempt = Object.fromEntries(
      [
        'GET /extra',
        'GET /wrong',
        'POST /queued',
        'GET /bare',
        'GET /health-check/live',
        'GET /health-check/ready',
      ].map((op) => [op, 'not this test']),
    );
    expect(
      await happyPathProblems(app, doc, [{ op: 'GET /exact', request: { url: '/exact' } }], exempt),
    ).toEqual([]);
  });

  it('names undocumented fields, wrong types, undocumented statuses and operations without a request', async () => {
    const { app, doc } = await subject();
    const problems = await happyPathProblems(app, doc, [
      { op: 'GET /extra', request: { url: '/extra' } },
      { op: 'GET /wrong', request: { url: '/wrong' } },
      { op: 'POST /queued', request: { method: 'POST', url: '/queued' } },
    ]);
    expect(problems.join('\n')).toMatch(/GET \/extra 200: .*must NOT have additional properties/);
    expect(problems.join('\n')).toMatch(/GET \/wrong 200: .*size must be integer/);
    expect(problems.join('\n')).toMatch(/POST \/queued: answered 202/);
    expect(problems).toContain('GET /exact: no valid request in the table');
  });

  it('finds JSON success answers documented as a bare object', async () => {
    const { doc } = await subject();
    expect(bareSuccessSchemas(doc)).toEqual(['POST /queued 200', 'GET /bare 200']);
  });
});
