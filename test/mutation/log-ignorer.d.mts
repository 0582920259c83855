// Types of the Stryker log-line ignorer (log-ignorer.mjs), for its test.
export function isLogCall(node: unknown): boolean;
export function isLogStatement(node: unknown): boolean;
export class LogCallIgnorer {
  shouldIgnore(path: { node: unknown }): string | undefined;
}
export const strykerPlugins: Array<{ kind: 'Ignore'; name: string; injectableClass: typeof LogCallIgnorer }>;
