/**
 * Which voice-server call-sim calls: `--target URL` (a stack on the simulators, through its access
 * server: everything is known and observable) or `--url URL --auth-token T` (any deployment; only the
 * caller's side is observable, plus app-server's staff API when `--app-server` is given).
 */

import type { RunTarget } from '../scenarios/run-scenario.ts';
import { remoteSimulatorAccess } from '../scenarios/sim-access-client.ts';
import { isValidTimeZone } from '../scenarios/zoned-time.ts';

/** The flags every subcommand takes to name its target. */
export const TARGET_OPTIONS = {
  target: { type: 'string' },
  url: { type: 'string' },
  'public-url': { type: 'string' },
  'auth-token': { type: 'string' },
  'account-sid': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  timezone: { type: 'string' },
  'app-server': { type: 'string' },
  'app-server-key': { type: 'string' },
} as const;

export const TARGET_HELP = `target (one of):
  --target URL          a stack on the simulators, by its access server (\`pnpm demo:run --serve\` prints it):
                        the model's script, transfers, tool calls and the transcript are all observable
  --url URL             a voice-server (e.g. staging) the simulator can reach; with:
    --auth-token TOKEN  the Twilio auth token it checks (or TWILIO_AUTH_TOKEN)
    --public-url URL    the URL it signs (its PUBLIC_BASE_URL), if it differs from --url
    --account-sid SID   (or TWILIO_ACCOUNT_SID)
    --to NUMBER         the brand's number (default +18005550100); --from NUMBER the caller (+14155550123)
    --timezone ZONE     the brand's IANA time zone, for callback windows (default UTC)
    --app-server URL --app-server-key KEY   read the conversation from app-server's staff API, so
                        tool calls, callbacks, the agent's words and end reasons can be checked
`;

/** A usage problem: the command exits 2 with this message. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type TargetValues = { [K in keyof typeof TARGET_OPTIONS]?: string | undefined };

/** Resolves the target flags; throws {@link UsageError} or a SimAccessError naming the cause. */
export async function resolveTarget(
  values: TargetValues,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunTarget> {
  if (values.target && values.url) throw new UsageError('give --target or --url, not both');
  if (values.timezone !== undefined && !isValidTimeZone(values.timezone))
    throw new UsageError(`--timezone: not an IANA time zone: ${values.timezone}`);
  if (values.target) {
    const access = remoteSimulatorAccess(values.target);
    const info = await access.info();
    return { ...info, ...(values.timezone ? { timezone: values.timezone } : {}), access };
  }
  if (!values.url)
    throw new UsageError('no target: give --target URL (a stack on the simulators) or --url URL');
  const authToken = values['auth-token'] ?? env.TWILIO_AUTH_TOKEN;
  if (!authToken)
    throw new UsageError('--url needs --auth-token (or TWILIO_AUTH_TOKEN): the webhook is signed with it');
  if (Boolean(values['app-server']) !== Boolean(values['app-server-key']))
    throw new UsageError('--app-server and --app-server-key go together');
  return {
    name: values.url,
    voiceServerUrl: values.url,
    ...(values['public-url'] ? { publicBaseUrl: values['public-url'] } : {}),
    authToken,
    accountSid: values['account-sid'] ?? env.TWILIO_ACCOUNT_SID ?? `AC${'0'.repeat(32)}`,
    to: values.to ?? '+18005550100',
    from: values.from ?? '+14155550123',
    ...(values.timezone ? { timezone: values.timezone } : {}),
    ...(values['app-server'] && values['app-server-key']
      ? { appServer: { url: values['app-server'], apiKey: values['app-server-key'] } }
      : {}),
  };
}
