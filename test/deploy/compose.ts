// Reads docker-compose.yml as Compose would before it runs anything: YAML merge keys resolved,
// `${VAR}` interpolation from an environment (and an --env-file), profiles applied. Enough of the
// Compose specification for this project's file; the rest is checked against the schema.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './workspace.ts';

export interface ComposeService {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  restart?: string;
  read_only?: boolean;
  tmpfs?: string[];
  stop_grace_period?: string;
  ports?: string[];
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export class InterpolationError extends Error {
  constructor(readonly missing: string[]) {
    super(`required variables unset: ${missing.join(', ')}`);
  }
}

/** KEY=VALUE lines; `#` comments and blank lines skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`not KEY=VALUE: ${line}`);
    out[t.slice(0, eq)] = t.slice(eq + 1);
  }
  return out;
}

const VARIABLE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** Compose's interpolation of one string: `${V}`, `${V:-default}`, `${V-default}`, `${V:?error}`, `${V?error}`, `${V:+alt}`, `$$`. */
export function interpolate(
  value: string,
  env: Record<string, string | undefined>,
  missing: string[],
): string {
  return value.replace(VARIABLE, (whole, braced, colon, op, arg, bare) => {
    if (whole === '$$') return '$';
    const name = (braced ?? bare) as string;
    const v = env[name];
    const unset = colon ? v === undefined || v === '' : v === undefined;
    if (op === '-') return unset ? (arg as string) : v!;
    if (op === '?') {
      if (unset) missing.push(name);
      return v ?? '';
    }
    if (op === '+') return unset ? '' : (arg as string);
    return v ?? '';
  });
}

function walk(node: unknown, env: Record<string, string | undefined>, missing: string[]): unknown {
  if (typeof node === 'string') return interpolate(node, env, missing);
  if (Array.isArray(node)) return node.map((n) => walk(n, env, missing));
  if (node && typeof node === 'object')
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, env, missing)]));
  return node;
}

/** The file as written (merge keys resolved), before interpolation. */
export function readCompose(path: string): ComposeFile {
  return parse(readFileSync(path, 'utf8'), { merge: true }) as ComposeFile;
}

/** Interpolated with `env`; throws InterpolationError naming every required variable left unset. */
export function renderCompose(
  raw: ComposeFile,
  env: Record<string, string | undefined>,
  profiles: string[] = [],
): ComposeFile {
  const missing: string[] = [];
  // Like compose-go, interpolate the whole file first (a required variable of a service outside the
  // active profiles still stops it), then keep the services the profiles select.
  const out = walk(raw, env, missing) as ComposeFile;
  if (missing.length) throw new InterpolationError([...new Set(missing)].sort());
  out.services = Object.fromEntries(
    Object.entries(out.services).filter(
      ([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)),
    ),
  );
  return out;
}

/** `36m`, `90s`, `1h30m` → seconds. */
export function durationSeconds(d: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let consumed = '';
  for (const m of d.matchAll(re)) {
    total += Number(m[1]) * units[m[2]!]!;
    consumed += m[0];
  }
  if (consumed !== d) throw new Error(`not a duration: ${d}`);
  return total;
}

export const COMPOSE_PATH = join(ROOT, 'docker-compose.yml');
export const OFFLINE_ENV = parseEnvFile(readFileSync(join(ROOT, 'deploy', 'offline.env'), 'utf8'));
/** What a team puts in .env for the real thing (deploy/live.env.example, filled in). */
export const LIVE_ENV = {
  PUBLIC_BASE_URL: 'https://voice.example.com',
  TWILIO_ACCOUNT_SID: 'AC11111111111111111111111111111111',
  TWILIO_AUTH_TOKEN: 'live-twilio-token',
  OPENAI_API_KEY: 'sk-live-key',
  SERVICE_TOKEN: 'live-service-token',
  SESSION_SECRET: 'live-session-secret-0123456789abcdef',
};
/** The ways the file is run: label, environment, active profiles. */
export const COMPOSE_RENDERINGS: Array<[string, Record<string, string>, string[]]> = [
  ['live', LIVE_ENV, []],
  ['offline', OFFLINE_ENV, ['offline']],
  ['offline + call', OFFLINE_ENV, ['offline', 'call']],
];
