import type { ToolHandler } from './types.ts';

/** Books a human callback through app-server. */
export const createCallbackTicket: ToolHandler = {
  schema: {
    type: 'function',
    name: 'create_callback_ticket',
    description:
      'Schedule a callback from a human colleague. Ask the caller when suits them and confirm the number ' +
      'first; use the number they are calling from unless they give another.',
    parameters: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'What the callback is about.' },
        phone: { type: 'string', description: 'Number to call back, E.164; omit to use the caller ID.' },
        window_start: { type: 'string', description: 'Start of the preferred window, ISO 8601.' },
        window_end: { type: 'string', description: 'End of the preferred window, ISO 8601.' },
        timezone: { type: 'string', description: 'IANA time zone of the caller, e.g. America/New_York.' },
      },
      required: ['reason'],
      additionalProperties: false,
    },
  },
  timeoutMs: 8_000,
  async run(args, ctx) {
    const phone = typeof args.phone === 'string' && args.phone ? args.phone : ctx.call.callerNumber;
    const created = await ctx.appServer.createCallbackTicket(ctx.call.callSid, {
      phone,
      reason: String(args.reason),
      timezone: typeof args.timezone === 'string' ? args.timezone : 'UTC',
      ...(typeof args.window_start === 'string' ? { windowStart: args.window_start } : {}),
      ...(typeof args.window_end === 'string' ? { windowEnd: args.window_end } : {}),
      idempotencyKey: `callback:${ctx.call.callSid}:${String(args.reason).slice(0, 64)}`,
    });
    return {
      output: { ok: true, status: 'scheduled', ticket_id: created.ticketId, callback_id: created.callbackId },
    };
  },
};
