/** Checks of a service's OpenAPI document against the routes it registers and the answers it gave. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { bareSuccessSchemas } from './openapi-happy-paths.ts';

export interface OpenApiDoc {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
}

/** Validation errors of `doc` as an OpenAPI 3 document (empty when valid). */
export async function openApiErrors(doc: OpenApiDoc): Promise<unknown[]> {
  const result = await new Validator().validate(doc as never);
  return result.valid ? [] : ((result.errors as unknown[] | undefined) ?? ['invalid']);
}

/** Routes ("METHOD /a/:b") the document leaves out. */
export function undocumentedRoutes(doc: OpenApiDoc, routes: readonly string[]): string[] {
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );
  return routes
    .map((r) => r.replace(/:(\w+)/g, '{$1}'))
    .filter((r) => !r.endsWith(' /openapi.json') && !documented.has(r));
}

/** Operations that document no success answer or no 400. */
export function operationsMissingAnswers(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => {
        const statuses = Object.keys(op.responses);
        return !statuses.some((s) => /^[23]/.test(s)) || !statuses.includes('400');
      })
      .map(([m]) => `${m.toUpperCase()} ${path}`),
  );
}

/** "METHOD /path status" for every status seen that the document does not list for the operation. */
export function undocumentedStatuses(doc: OpenApiDoc, seen: Map<string, Set<number>>): string[] {
  return [...seen].flatMap(([op, statuses]) => {
    const [m, p] = op.split(' ') as [string, string];
    const responses = doc.paths[p]?.[m.toLowerCase()]?.responses ?? {};
    return [...statuses].filter((s) => !(String(s) in responses)).map((s) => `${op} ${s}`);
  });
}

export interface ContractSubject {
  doc(): OpenApiDoc;
  routes(): readonly string[];
  /** Statuses each operation answered (the fuzz suite's record). */
  seen(): Map<string, Set<number>>;
  /** The other direction: problems of a valid request per operation (see `happyPathProblems`). */
  happyPathProblems(): Promise<string[]>;
}

/**
 * The OpenAPI contract tests, registered in the calling test file: the document validates, covers
 * every route with a success answer and a 400, and lists every status the routes answered; each JSON
 * success answer has a schema that names its fields, and a valid request of each operation answers
 * a documented status with a body that schema accepts.
 */
export async function describeOpenApiContract(subject: ContractSubject): Promise<void> {
  const { describe, expect, it } = await import('vitest');
  describe('the OpenAPI document', () => {
    it('is a valid OpenAPI 3 document', async () => {
      expect(await openApiErrors(subject.doc())).toEqual([]);
    });
    it('documents every route, each with a success answer and the error answers', () => {
      expect(subject.routes().length).toBeGreaterThan(25);
      expect(undocumentedRoutes(subject.doc(), subject.routes())).toEqual([]);
      expect(operationsMissingAnswers(subject.doc())).toEqual([]);
    });
    it('documents each status the routes answered under fuzzing', () => {
      expect(undocumentedStatuses(subject.doc(), subject.seen())).toEqual([]);
    });
    it('gives each JSON success answer a schema that names its fields', () => {
      expect(bareSuccessSchemas(subject.doc())).toEqual([]);
    });
    it('answers a valid request of each operation with a documented status and body', async () => {
      expect(await subject.happyPathProblems()).toEqual([]);
    }, 120_000);
  });
}
