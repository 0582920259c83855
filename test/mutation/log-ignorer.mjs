// A Stryker ignorer plugin (plugin kind "Ignore", stryker.config.json `ignorers: ["log-calls"]`): mutants
// inside a call that writes a log line (`log.warn(...)`, `this.deps.log.info(...)`, `ctx.log.error(...)`,
// also as an arrow's body: `.catch((err) => log.warn(...))`) are reported as Ignored instead of being
// run. A log line's wording and fields are no behaviour of the call; what logs must never hold
// (secrets, whole phone numbers, raw audio) is checked by the log-redaction tests on the running
// services, not by mutants of each message. Everything around the call (the condition that guards it,
// the arrow that holds it, a value computed for it in an earlier statement) is still mutated.

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

/** `log`, `logger`, or any member chain ending in `.log` / `.logger` (`this.deps.log`, `ctx.log`). */
function isLogger(node) {
  if (!node) return false;
  if (node.type === 'Identifier') return node.name === 'log' || node.name === 'logger';
  if (node.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier')
    return node.property.name === 'log' || node.property.name === 'logger';
  return false;
}

/** True for a call of a log level on a logger: `log.warn(...)`, `this.deps.log.info(...)`. */
export function isLogCall(node) {
  if (node?.type !== 'CallExpression') return false;
  const callee = node.callee;
  return (
    callee.type === 'MemberExpression' &&
    !callee.computed &&
    callee.property.type === 'Identifier' &&
    LEVELS.has(callee.property.name) &&
    isLogger(callee.object)
  );
}

/** True for a statement that only writes a log line (its removal is a log-only mutant too). */
export function isLogStatement(node) {
  return node?.type === 'ExpressionStatement' && isLogCall(node.expression);
}

export class LogCallIgnorer {
  shouldIgnore(path) {
    return isLogStatement(path.node) || isLogCall(path.node)
      ? 'A log line: its wording and fields are not call behaviour.'
      : undefined;
  }
}

export const strykerPlugins = [{ kind: 'Ignore', name: 'log-calls', injectableClass: LogCallIgnorer }];
