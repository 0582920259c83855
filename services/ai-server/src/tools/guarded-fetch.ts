import { isIP, type LookupFunction } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { addressesProblem, defaultResolve, type ToolEndpointPolicy } from './endpoint-policy.ts';

/** The code a refused connection's error carries (the tool outcome becomes ENDPOINT_REFUSED). */
export const CONNECT_REFUSED = 'ENDPOINT_REFUSED';

/**
 * fetch whose connections check the address they are about to connect to: the name is resolved once,
 * at connect time, and a non-public answer refuses the connection. A host that answers a public
 * address to the check before the call and a private one afterwards (DNS rebinding) gets nowhere.
 */
export function guardedFetch(
  policy: ToolEndpointPolicy,
  resolve: (host: string) => Promise<string[]> = defaultResolve,
): typeof fetch {
  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const problem = addresses.length ? addressesProblem(addresses, policy) : 'did not resolve';
        if (problem) {
          callback(Object.assign(new Error(`endpoint ${problem}`), { code: CONNECT_REFUSED }), '', 4);
          return;
        }
        if (options.all)
          (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(
            null,
            addresses.map((address) => ({ address, family: isIP(address) })),
          );
        else callback(null, addresses[0]!, isIP(addresses[0]!));
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
  const agent = new Agent({ connect: { lookup } });
  return ((input: string | URL, init?: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch;
}
