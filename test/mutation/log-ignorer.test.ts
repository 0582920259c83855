// The log-line ignorer of `pnpm mutation` (test/mutation/log-ignorer.mjs): parsed with the Babel parser
// Stryker's own instrumenter uses, so the node shapes are the ones it will see.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isLogStatement, LogCallIgnorer, strykerPlugins } from './log-ignorer.mjs';

const fromCore = createRequire(createRequire(import.meta.url).resolve('@stryker-mutator/core'));
const fromInstrumenter = createRequire(fromCore.resolve('@stryker-mutator/instrumenter'));
const babel = fromInstrumenter('@babel/parser') as {
  parse(code: string, o: object): { program: { body: Array<{ type: string; body?: unknown }> } };
};

/** The first statement of `code`, parsed as TypeScript. */
function statement(code: string): unknown {
  return babel.parse(code, {
    sourceType: 'module',
    plugins: ['typescript'],
    allowReturnOutsideFunction: true,
  }).program.body[0];
}

describe('the log-line ignorer', () => {
  it('ignores a statement that only writes a log line, on any logger the call path uses', () => {
    for (const code of [
      "log.warn({ err }, 'credit check failed; retrying');",
      "log.info('call ended');",
      "logger.error({ callSid }, 'x');",
      "this.deps.log.debug({ n }, 'y');",
      "ctx.log.info({ a: 1 }, 'z');",
      "d.log.fatal('w');",
    ])
      expect(isLogStatement(statement(code)), code).toBe(true);
  });

  it('mutates everything else: other calls, a log call used as a value, other methods of a logger', () => {
    for (const code of [
      "transport.send('clear');",
      "this.deps.transport.info('x');",
      'const x = log.child({ a: 1 });',
      'log.child({ a: 1 });',
      "if (late) log.warn('late');",
      "return log.info('x');",
      "log['warn']('x');",
      "dialog.warn('x');",
    ])
      expect(isLogStatement(statement(code)), code).toBe(false);
  });

  it('is declared as Stryker expects an ignorer plugin: kind Ignore, a name, a class with shouldIgnore', () => {
    expect(strykerPlugins).toEqual([{ kind: 'Ignore', name: 'log-calls', injectableClass: LogCallIgnorer }]);
    const ignorer = new LogCallIgnorer();
    expect(ignorer.shouldIgnore({ node: statement("log.warn('x');") })).toMatch(/log line/);
    expect(ignorer.shouldIgnore({ node: statement("send('x');") })).toBeUndefined();
  });
});
