// The call path's mutation run split into parts that Stryker can run one at a time, each with its own
// incremental file and JSON report under reports/mutation/<part>/, so a run stopped after any part
// keeps what it measured and the next run (on any machine, once committed) retests only what changed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MutationPart {
  name: string;
  /** What the part covers, for `--list`. */
  about: string;
  /** Stryker `mutate` patterns, applied in order (`!` removes). */
  mutate: string[];
}

const SESSION = 'services/voice-server/src/session';
const named = (about: string, name: string, files: string[]): MutationPart => ({
  name,
  about,
  mutate: files,
});

const LIMITS = ['call-limits.ts', 'watchdog.ts', 'call-report.ts'].map((f) => `${SESSION}/${f}`);
const SPEECH = [
  'model-output.ts',
  'call-speech.ts',
  'external-voice.ts',
  'response-queue.ts',
  'filler.ts',
  'after-reply.ts',
  'speech-plan.ts',
  'audio-out.ts',
  'audio-levels.ts',
].map((f) => `${SESSION}/${f}`);
const TRANSCRIPTS = [
  'transcript.ts',
  'transcript-events.ts',
  'caller-transcripts.ts',
  'caller-input.ts',
  'history.ts',
  'dtmf.ts',
  'lines.ts',
].map((f) => `${SESSION}/${f}`);

const LINK = ['realtime-link.ts', 'reconnect-budget.ts', 'drop-fallback.ts', 'lifecycle.ts'].map(
  (f) => `${SESSION}/${f}`,
);
const AGENTS = ['agents.ts', 'tool-bridge.ts', 'session-config.ts', 'call-setup.ts'].map(
  (f) => `${SESSION}/${f}`,
);

const SPECIFIC: MutationPart[] = [
  named('inactivity watchdog, duration cap, credits, billed seconds and debit', 'limits', LIMITS),
  named('barge-in: truncation and cancelling the reply', 'barge-in', [`${SESSION}/barge-in.ts`]),
  named('playback tracking: what the caller heard', 'playback', [`${SESSION}/playback-tracker.ts`]),
  named('model output, speech, external voices and the response queue', 'speech', SPEECH),
  named('transcripts, caller input, history, DTMF and lines', 'transcripts', TRANSCRIPTS),
  named('call-control tools: transfer, end call, callback ticket', 'tools', [
    'services/voice-server/src/tools/transfer-to-human.ts',
    'services/voice-server/src/tools/end-call.ts',
    'services/voice-server/src/tools/create-callback-ticket.ts',
  ]),
  named("telephony's Twilio media frame codec", 'telephony', ['packages/telephony/src/twilio-media.ts']),
  named('the Realtime link: reconnects, renewal, the drop fallback, the call lifecycle', 'link', LINK),
  named(
    "agents and tools: hand-offs, the tool bridge, the session's configuration, call set-up",
    'agents',
    AGENTS,
  ),
];

/** Every part; `session` takes the session files no other part names, so new files are never left out. */
export const MUTATION_PARTS: MutationPart[] = [
  ...SPECIFIC,
  {
    name: 'session',
    about: 'the rest of the session parts: the call wiring, the session manager, the registry',
    mutate: [
      `${SESSION}/**/*.ts`,
      `!${SESSION}/**/*.test.ts`,
      ...SPECIFIC.flatMap((p) => p.mutate.filter((f) => f.startsWith(`${SESSION}/`)).map((f) => `!${f}`)),
    ],
  },
];

/** Where a part keeps its incremental file and its JSON report. */
export function partPaths(name: string): { dir: string; incremental: string; report: string } {
  const dir = `reports/mutation/${name}`;
  return { dir, incremental: `${dir}/stryker-incremental.json`, report: `${dir}/mutation.json` };
}

/** A glob of `**`, `*` and literal text as an anchored regular expression over `/` paths. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (glob.startsWith('**/', i)) {
      out += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      out += '.*';
      i += 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** The files among `files` that Stryker's ordered `mutate` patterns select. */
export function selectFiles(patterns: string[], files: string[]): string[] {
  const chosen = new Set<string>();
  for (const p of patterns) {
    const negate = p.startsWith('!');
    const re = globToRegExp(negate ? p.slice(1) : p);
    for (const f of files) if (re.test(f)) negate ? chosen.delete(f) : chosen.add(f);
  }
  return files.filter((f) => chosen.has(f));
}

/** The repository's files under the folders the patterns start from, relative with `/`, sorted. */
export function candidateFiles(root: string, patterns: string[]): string[] {
  const base = (p: string): string => {
    const segments = p.split('/');
    const glob = segments.findIndex((s) => s.includes('*'));
    return (glob === -1 ? segments.slice(0, -1) : segments.slice(0, glob)).join('/') || '.';
  };
  const dirs = new Set(patterns.filter((p) => !p.startsWith('!')).map(base));
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = dir === '.' ? e.name : `${dir}/${e.name}`;
      if (e.isDirectory() && e.name !== 'node_modules') walk(rel);
      else if (e.isFile()) out.add(rel);
    }
  };
  for (const d of dirs) walk(d);
  return [...out].sort();
}

/** The files a part mutates today. */
export function filesOfPart(root: string, part: MutationPart): string[] {
  return selectFiles(part.mutate, candidateFiles(root, part.mutate));
}

/** The `mutate` patterns of the whole run (stryker.config.json). */
export function configuredMutate(root: string): string[] {
  return (JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8')) as { mutate: string[] }).mutate;
}
