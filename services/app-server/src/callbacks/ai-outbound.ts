/** The one ai-server route app-server calls to place a booked callback: `POST /internal/outbound-calls`. */

export interface OutboundCallRequest {
  brandId: string;
  profileKey: string;
  to: string;
  task: string;
  context: Record<string, string | null>;
  idempotencyKey: string;
  calleeTimezone?: string;
}

export type OutboundCallAnswer =
  | { ok: true; id: string; callSid: string | null; status: string }
  | { ok: false; httpStatus: number; code: string; message: string; retryAfterSec: number | null };

export interface AiOutbound {
  place(req: OutboundCallRequest): Promise<OutboundCallAnswer>;
}

/** Over HTTP with the service token; a network failure answers as a 503 so the callback waits. */
export function httpAiOutbound(opts: {
  baseUrl: string;
  serviceToken: string;
  timeoutMs?: number;
}): AiOutbound {
  return {
    async place(req) {
      let res: Response;
      try {
        res = await fetch(new URL('/internal/outbound-calls', opts.baseUrl), {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.serviceToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(req),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
        });
      } catch (err) {
        return {
          ok: false,
          httpStatus: 503,
          code: 'AI_SERVER_UNREACHABLE',
          message: `ai-server did not answer: ${(err as Error).name}`,
          retryAfterSec: null,
        };
      }
      const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
      if (res.ok)
        return {
          ok: true,
          id: String(body.id),
          callSid: typeof body.callSid === 'string' ? body.callSid : null,
          status: String(body.status),
        };
      const error = (body.error ?? {}) as { code?: unknown; message?: unknown };
      const retryAfter = Number(res.headers.get('retry-after'));
      return {
        ok: false,
        httpStatus: res.status,
        code: typeof error.code === 'string' ? error.code : `HTTP_${res.status}`,
        message: typeof error.message === 'string' ? error.message : `ai-server answered ${res.status}`,
        retryAfterSec: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
      };
    },
  };
}
