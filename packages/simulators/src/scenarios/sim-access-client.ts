/** {@link SimulatorAccess} of a stack in another process, through its access server (sim-access-server.ts). */
import type { CallUpdate } from '../twilio/rest-fake.ts';
import type { CalleeEvidence } from './outbound-callee.ts';
import type { ModelTrace, SimulatorAccess, TargetInfo } from './sim-access.ts';

/** Thrown when the access server cannot be reached or answers an error. */
export class SimAccessError extends Error {
  override readonly name = 'SimAccessError';
}

/** Talks to the access server at `baseUrl`. */
export function remoteSimulatorAccess(baseUrl: string): SimulatorAccess {
  const base = baseUrl.replace(/\/+$/, '');
  const call = async <T>(path: string, init?: RequestInit): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const code = cause?.code ?? cause?.message;
      throw new SimAccessError(
        `the simulators' access server at ${base} cannot be reached${code ? ` (${code})` : ''}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    if (!res.ok) throw new SimAccessError(`${base}${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };
  return {
    info: () => call<TargetInfo>('/target'),
    async beginCall(model) {
      const { mark } = await call<{ mark: string }>('/calls', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model }),
      });
      return mark;
    },
    trace: (mark) => call<ModelTrace>(`/traces/${encodeURIComponent(mark)}`),
    async answerOutbound(loaded) {
      await call<{ ok: true }>('/outbound-callees', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(loaded),
      });
    },
    async outboundCallee(callSid) {
      const { callee } = await call<{ callee: CalleeEvidence | null }>(`/outbound/${callSid}/callee`);
      return callee ?? undefined;
    },
    async followCall(callSid, onUpdate) {
      const abort = new AbortController();
      const res = await fetch(`${base}/calls/${callSid}/updates`, { signal: abort.signal }).catch((err) => {
        throw new SimAccessError(`cannot follow the call's REST updates: ${(err as Error).message}`);
      });
      if (!res.ok || !res.body)
        throw new SimAccessError(`cannot follow the call's REST updates: HTTP ${res.status}`);
      void readEvents(res.body, (data) => onUpdate(JSON.parse(data) as CallUpdate)).catch(() => {});
      return () => abort.abort();
    },
  };
}

/** Reads `data:` lines of server-sent events. */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (data) onData(data);
      end = buffer.indexOf('\n\n');
    }
  }
}
