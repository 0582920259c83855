// Reads what the tests need from the Dockerfile: each stage's base, environment, command, health
// check and user, with a stage built FROM another stage inheriting them as Docker does.

export interface Stage {
  name: string;
  from: string;
  env: Record<string, string>;
  /** Exec-form CMD, ENTRYPOINT and HEALTHCHECK CMD of this stage or the stage it is built from. */
  cmd?: string[];
  entrypoint?: string[];
  healthcheck?: string[];
  user?: string;
  workdir?: string;
  /** Every instruction of the stage itself, continuation lines joined. */
  instructions: Array<{ op: string; args: string }>;
}

function execForm(args: string, where: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string'))
    throw new Error(`${where}: not an exec-form JSON array: ${args}`);
  return parsed;
}

/** `KEY=value KEY2=value2` (the only ENV form this project uses; values without spaces). */
function envPairs(args: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of args.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`${where}: ENV must be KEY=value pairs: ${args}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** Parses a Dockerfile into its stages, keyed by name. */
export function parseDockerfile(text: string): Map<string, Stage> {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = new Map<string, Stage>();
  let current: Stage | undefined;
  for (const line of lines) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'ARG' && !current) continue;
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`bad FROM: ${line}`);
      const base = stages.get(from[1]!);
      current = {
        name: from[2] ?? `#${stages.size}`,
        from: from[1]!,
        env: { ...(base?.env ?? {}) },
        cmd: base?.cmd,
        entrypoint: base?.entrypoint,
        healthcheck: base?.healthcheck,
        user: base?.user,
        workdir: base?.workdir,
        instructions: [],
      };
      stages.set(current.name, current);
      continue;
    }
    if (!current) throw new Error(`instruction before FROM: ${line}`);
    const where = `stage ${current.name}`;
    current.instructions.push({ op, args });
    if (op === 'ENV') Object.assign(current.env, envPairs(args, where));
    else if (op === 'CMD') current.cmd = execForm(args, where);
    else if (op === 'ENTRYPOINT') current.entrypoint = execForm(args, where);
    else if (op === 'USER') current.user = args;
    else if (op === 'WORKDIR') current.workdir = args;
    else if (op === 'HEALTHCHECK') {
      const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(args);
      if (!cmd) throw new Error(`${where}: HEALTHCHECK must use an exec-form CMD`);
      current.healthcheck = execForm(cmd[1]!, where);
    }
  }
  return stages;
}
