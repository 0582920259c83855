// The demo's stack: the whole product (test/support/full-stack.ts) with the Acme profile as the demo
// runs it, and call-sim's view of it: the target's details, the simulators' access and, on request,
// the access server `call-sim run --target` connects to.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  chooseVoice,
  localSimulatorAccess,
  type SimAccessServer,
  type SimulatorAccess,
  startSimAccessServer,
  type TargetInfo,
} from '@switchboard/simulators/scenarios';
import {
  ACCOUNT_SID,
  ACME,
  AUTH_TOKEN,
  type FullStack,
  type FullStackOptions,
  PUBLIC_BASE_URL,
  SERVICE_TOKEN,
  startFullStack,
} from './full-stack.ts';

/** call-sim's runner, for the demo script (the root package does not depend on the simulators). */
export * as callSim from '@switchboard/simulators/scenarios';

/** The demo brand's time zone (the profile's). */
export const DEMO_TIMEZONE = 'America/New_York';
/** The demo brand as staff know it in app-server: they sign in with the slug, the UI shows the name. */
export const DEMO_BRAND = { slug: 'acme', name: 'Acme Outfitters' } as const;
/** The demo caller's number. */
export const DEMO_CALLER = '+14155550123';
/**
 * The demo profile's watchdog: a silent caller is asked whether they are still there after 8 s and
 * the call ends 8 s later, so the silent-caller scenario takes seconds, not a minute.
 */
export const DEMO_INACTIVITY = { promptAfterSec: 8, endAfterSec: 8 };
/**
 * The demo profile's agents: a concierge takes the call and hands returns questions to a returns
 * specialist (its own instructions and tools), who can hand the caller back.
 */
export const DEMO_AGENTS = {
  entryAgent: 'concierge',
  returnRequired: true,
  agents: [
    {
      key: 'concierge',
      instructions:
        'Answer general questions. Hand returns, refunds and warranty questions to the returns agent.',
      handoffs: ['returns'],
    },
    {
      key: 'returns',
      instructions:
        'You handle returns, refunds and warranty claims; book a callback when a colleague must follow up.',
      tools: ['get_knowledge', 'create_callback_ticket', 'transfer_to_human', 'end_call'],
      handoffs: ['concierge'],
    },
  ],
};

/**
 * The demo profile's languages: English first (the greeting every demo call starts with), and
 * Spanish with its own greeting, the product's lines and an addendum.
 */
export const DEMO_LANGUAGES = [
  { tag: 'en-US', greeting: ACME.greeting },
  {
    tag: 'es',
    greeting: 'Hola, gracias por llamar a Acme Outfitters. ¿En qué puedo ayudarle?',
    lines: {
      stillThere: '¿Sigue ahí?',
      goodbye: 'Gracias por llamar a Acme Outfitters. ¡Hasta pronto!',
      apology: 'Lo siento, tenemos un problema técnico. Por favor, vuelva a llamar en unos minutos.',
      wrapUp: 'Nos queda poco tiempo; ¿hay algo más en lo que pueda ayudarle?',
      transfer: 'Le paso con un compañero. Un momento, por favor.',
      callback: 'Perfecto, le llamaremos. Gracias por su paciencia.',
    },
    instructions: 'Hable en español de España, trate al cliente de usted y diga los precios en dólares.',
  },
];
/** The demo's Spanish help-center articles (shipping and returns), next to the English ones. */
const SPANISH_ARTICLES = join(import.meta.dirname, '..', '..', 'examples', 'acme-help-center-es');

/** Ingests the Spanish articles into the demo brand's knowledge. */
async function ingestSpanishArticles(stack: FullStack): Promise<void> {
  const files = (await readdir(SPANISH_ARTICLES)).filter((f) => f.endsWith('.md')).sort();
  const articles = await Promise.all(
    files.map(async (f) => {
      const body = await readFile(join(SPANISH_ARTICLES, f), 'utf8');
      const title = /^# (.+)$/m.exec(body)?.[1] ?? basename(f, '.md');
      return { externalId: `es/${f}`, title, body, format: 'markdown', language: 'es' };
    }),
  );
  const res = await fetch(`${stack.ai.url}/admin/knowledge/articles`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.ai.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ articles }),
  });
  if (!res.ok) throw new Error(`ai-server refused the Spanish articles: HTTP ${res.status}`);
}

export interface DemoStack {
  stack: FullStack;
  target: TargetInfo;
  access: SimulatorAccess;
  /** Serves `access` for `call-sim run --target`; closed with the stack. */
  serveAccess(port?: number): Promise<SimAccessServer>;
  close(): Promise<void>;
}

export async function startDemoStack(opts: FullStackOptions = {}): Promise<DemoStack> {
  const stack = await startFullStack({
    analysis: true,
    // "Try your bot" works on the served demo: a browser can talk to the Acme profile.
    webCalls: true,
    ...opts,
    // The demo runs whenever someone tries it: outbound calls at any hour (the rule itself is tested).
    outbound: { callingWindow: { openMin: 0, closeMin: 24 * 60 }, ...opts.outbound },
    realtime: { pacing: 'burst', ...opts.realtime },
    profile: {
      timezone: DEMO_TIMEZONE,
      inactivity: DEMO_INACTIVITY,
      ...DEMO_AGENTS,
      languages: DEMO_LANGUAGES,
      ...opts.profile,
    },
  });
  await ingestSpanishArticles(stack);
  const admin = { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' };
  const named = await fetch(`${stack.appServer.url}/admin/brands/${stack.ai.brandId}`, {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ ...DEMO_BRAND, timezone: DEMO_TIMEZONE }),
  });
  if (!named.ok) throw new Error(`app-server refused the demo brand's slug and name: HTTP ${named.status}`);
  const res = await fetch(`${stack.appServer.url}/admin/api-keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ brandId: stack.ai.brandId, label: 'call-sim' }),
  });
  if (!res.ok) throw new Error(`app-server refused an API key for call-sim: HTTP ${res.status}`);
  const { key } = (await res.json()) as { key: string };
  const target: TargetInfo = {
    name: 'demo stack',
    voiceServerUrl: stack.voiceUrl,
    publicBaseUrl: PUBLIC_BASE_URL,
    authToken: AUTH_TOKEN,
    accountSid: ACCOUNT_SID,
    to: ACME.number,
    from: DEMO_CALLER,
    timezone: DEMO_TIMEZONE,
    greeting: ACME.greeting,
    appServer: { url: stack.appServer.url, apiKey: key },
    aiServer: { url: stack.ai.url, apiKey: stack.ai.apiKey },
  };
  const access = localSimulatorAccess({
    realtime: stack.realtime,
    twilioRest: stack.twilioRest,
    info: target,
    // Outbound scenarios: the callee at the scenario's number speaks its turns (simulated speech).
    outbound: { dialer: stack.dialer, setCallee: stack.setCallee, voice: chooseVoice('simulated') },
  });
  const servers: SimAccessServer[] = [];
  return {
    stack,
    target,
    access,
    async serveAccess(port = 0) {
      const server = await startSimAccessServer(access, port);
      servers.push(server);
      return server;
    },
    async close() {
      for (const s of servers) await s.close();
      await stack.close();
    },
  };
}
