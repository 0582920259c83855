// The log-line ignorer of `pnpm mutation` (test/mutation/log-ignorer.mjs): parsed with the Babel parser
// Stryker's own instrumenter uses, so the node shapes are the ones it will see.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isLogCall, isLogStatement, LogCallIgnorer, strykerPlugins } from './log-ignorer.mjs';

const fromCore = createRequire(createRequire(import.meta.url).resolve('@stryker-mutator/core'));
const fromInstrumenter = createRequire(fromCore.resolve('@stryker-mutator/instrumenter'));
const babel = fromInstrumenter('@babel/parser') as {
  parse(code: string, o: object): { program: { body: Array<Record<string, unknown>> } };
};

/** The first statement of `code`, parsed as TypeScript. */
function statement(code: string): Record<string, unknown> {
  return babel.parse(code, {
    sourceType: 'module',
    plugins: ['typescript'],
    allowReturnOutsideFunction: true,
  }).program.body[0]!;
}

/** The expression of the first statement of `code`. */
const expression = (code: string) => statement(code).expression;

describe('the log-line ignorer', () => {
  it('ignores a log call on any logger the call path uses, as a statement or as an arrow body', () => {
    for (const code of [
      "log.warn({ err }, 'credit check failed; retrying');",
      "log.info('call ended');",
      "logger.error({ callSid }, 'x');",
      "this.deps.log.debug({ n }, 'y');",
      "ctx.log.info({ a: 1 }, 'z');",
      "d.log.fatal('w');",
    ]) {
      expect(isLogStatement(statement(code)), code).toBe(true);
      expect(isLogCall(expression(code)), code).toBe(true);
    }
    const arrow = expression("p.catch((err) => log.warn({ err }, 'sync failed'));") as {
      arguments: Array<{ body: unknown }>;
    };
    expect(isLogCall(arrow.arguments[0]!.body)).toBe(true);
  });

  it('mutates everything else: other calls, other methods of a logger, what surrounds a log call', () => {
    for (const code of [
      "transport.send('clear');",
      "this.deps.transport.info('x');",
      'log.child({ a: 1 });',
      "log['warn']('x');",
      "dialog.warn('x');",
      "p.catch((err) => log.warn({ err }, 'sync failed'));",
    ])
      expect(isLogCall(expression(code)), code).toBe(false);
    for (const code of ["if (late) log.warn('late');", "return log.info('x');", 'const x = log.child({});'])
      expect(isLogStatement(statement(code)), code).toBe(false);
  });

  it('is declared as Stryker expects an ignorer plugin: kind Ignore, a name, a class with shouldIgnore', () => {
    expect(strykerPlugins).toEqual([{ kind: 'Ignore', name: 'log-calls', injectableClass: LogCallIgnorer }]);
    const ignorer = new LogCallIgnorer();
    expect(ignorer.shouldIgnore({ node: statement("log.warn('x');") })).toMatch(/log line/);
    expect(ignorer.shouldIgnore({ node: expression("log.warn('x');") })).toMatch(/log line/);
    expect(ignorer.shouldIgnore({ node: statement("send('x');") })).toBeUndefined();
  });
});
