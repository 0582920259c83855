import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/** Where dynamic tools may send requests, and how much they may read back. */
export interface ToolEndpointPolicy {
  /** http:// allowed, and loopback addresses reachable, for localhost/127.0.0.0/8/::1 only (tests, demos). */
  allowInsecureLoopback: boolean;
  /** Hosts resolving to private, link-local or unique-local addresses allowed (https still required). */
  allowPrivateNetworks: boolean;
  maxResponseBytes: number;
  maxTimeoutMs: number;
}

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.']);

function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/** Whether `host` (a name or literal address) is a loopback one. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(h)) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Private, loopback, link-local, CGNAT, unique-local or unspecified addresses: not the public internet. */
export function isNonPublicAddress(ip: string): boolean {
  const v = isIP(ip);
  if (v === 4) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a >= 224
    );
  }
  if (v === 6) {
    const l = ip.toLowerCase();
    if (l.startsWith('::ffff:')) return isNonPublicAddress(l.slice(7));
    return l === '::' || l === '::1' || /^f[cd]/.test(l) || /^fe[89ab]/.test(l) || l.startsWith('ff');
  }
  return true;
}

/** Why `raw` can't be a tool endpoint under `policy` (static checks only), or undefined when it can. */
export function endpointProblem(raw: string, policy: ToolEndpointPolicy): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  if (url.username || url.password) return 'must not carry credentials (use the secret header)';
  const loopback = isLoopbackHost(hostOf(url));
  if (url.protocol === 'https:') {
    if (loopback && !policy.allowInsecureLoopback) return 'must not point at a loopback host';
    return undefined;
  }
  if (url.protocol === 'http:') {
    if (loopback && policy.allowInsecureLoopback) return undefined;
    return policy.allowInsecureLoopback ? 'must use https (http only for loopback hosts)' : 'must use https';
  }
  return 'must use https';
}

/**
 * Resolves the endpoint's host and refuses non-public addresses (unless the policy allows them), so a
 * brand can't aim its tool at the service's own network. Returns a reason, or undefined when allowed.
 */
export async function resolvedAddressProblem(
  url: URL,
  policy: ToolEndpointPolicy,
  resolve: (host: string) => Promise<string[]> = defaultResolve,
): Promise<string | undefined> {
  const host = hostOf(url);
  if (isLoopbackHost(host))
    return policy.allowInsecureLoopback ? undefined : 'resolves to a loopback address';
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await resolve(host);
  } catch (err) {
    return `host did not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  return addressesProblem(addresses, policy);
}

/** Why a connection to any of `addresses` is not allowed under `policy`, or undefined when it is. */
export function addressesProblem(
  addresses: readonly string[],
  policy: ToolEndpointPolicy,
): string | undefined {
  if (policy.allowPrivateNetworks) return undefined;
  const bad = addresses.find(
    (a) => isNonPublicAddress(a) && !(isLoopbackHost(a) && policy.allowInsecureLoopback),
  );
  return bad ? 'resolves to a non-public address' : undefined;
}

/** The system resolver: every address of `host`. */
export async function defaultResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}
