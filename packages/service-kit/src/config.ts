/**
 * Environment configuration: each service declares a spec once; `loadConfig` parses it, reports every
 * missing or bad variable by name in one error, and returns a frozen object.
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Parser<T> = { parse(raw: string | undefined, name: string): T; secret?: boolean; doc?: string };

function fail(name: string, why: string): never {
  throw new ConfigError([`${name}: ${why}`]);
}

function optionalOr<T>(
  raw: string | undefined,
  fallback: T | undefined,
  name: string,
  parse: (v: string) => T,
): T {
  if (raw === undefined || raw === '') {
    if (fallback === undefined) fail(name, 'is required');
    return fallback;
  }
  return parse(raw);
}

export const env = {
  string(opts: { default?: string; secret?: boolean; doc?: string } = {}): Parser<string> {
    return {
      secret: opts.secret,
      doc: opts.doc,
      parse: (raw, name) => optionalOr(raw, opts.default, name, (v) => v),
    };
  },
  optionalString(opts: { secret?: boolean; doc?: string } = {}): Parser<string | undefined> {
    return { secret: opts.secret, doc: opts.doc, parse: (raw) => (raw === '' ? undefined : raw) };
  },
  url(opts: { default?: string; protocols?: string[]; doc?: string } = {}): Parser<string> {
    return {
      doc: opts.doc,
      parse: (raw, name) =>
        optionalOr(raw, opts.default, name, (v) => {
          let u: URL;
          try {
            u = new URL(v);
          } catch {
            fail(name, `is not a URL: ${JSON.stringify(v)}`);
          }
          const protocols = opts.protocols ?? ['http:', 'https:'];
          if (!protocols.includes(u.protocol)) fail(name, `must use ${protocols.join(' or ')}`);
          return v.replace(/\/+$/, '');
        }),
    };
  },
  optionalUrl(opts: { protocols?: string[]; doc?: string } = {}): Parser<string | undefined> {
    const inner = env.url(opts);
    return { doc: opts.doc, parse: (raw, name) => (raw ? inner.parse(raw, name) : undefined) };
  },
  int(opts: { default?: number; min?: number; max?: number; doc?: string } = {}): Parser<number> {
    return {
      doc: opts.doc,
      parse: (raw, name) =>
        optionalOr(raw, opts.default, name, (v) => {
          if (!/^-?\d+$/.test(v.trim())) fail(name, `must be an integer, got ${JSON.stringify(v)}`);
          const n = Number(v);
          if (opts.min !== undefined && n < opts.min) fail(name, `must be >= ${opts.min}`);
          if (opts.max !== undefined && n > opts.max) fail(name, `must be <= ${opts.max}`);
          return n;
        }),
    };
  },
  bool(opts: { default?: boolean; doc?: string } = {}): Parser<boolean> {
    return {
      doc: opts.doc,
      parse: (raw, name) =>
        optionalOr(raw, opts.default, name, (v) => {
          if (/^(1|true|yes|on)$/i.test(v)) return true;
          if (/^(0|false|no|off)$/i.test(v)) return false;
          fail(name, `must be true or false, got ${JSON.stringify(v)}`);
        }),
    };
  },
  oneOf<const T extends string>(values: readonly T[], opts: { default?: T; doc?: string } = {}): Parser<T> {
    return {
      doc: opts.doc,
      parse: (raw, name) =>
        optionalOr(raw, opts.default, name, (v) => {
          if (!values.includes(v as T)) fail(name, `must be one of ${values.join(', ')}`);
          return v as T;
        }),
    };
  },
};

export type ConfigSpec = Record<string, Parser<unknown>>;
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends Parser<infer T> ? T : never;
};

/** Parses `source` (default `process.env`) against `spec`; throws one ConfigError naming every problem. */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  source: Record<string, string | undefined> = process.env,
): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, parser] of Object.entries(spec)) {
    try {
      out[name] = parser.parse(source[name], name);
    } catch (err) {
      if (err instanceof ConfigError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out) as ConfigOf<S>;
}

/** Names of the spec's secret variables, so logs can leave them out. */
export function secretNames(spec: ConfigSpec): string[] {
  return Object.entries(spec)
    .filter(([, p]) => p.secret)
    .map(([n]) => n);
}
