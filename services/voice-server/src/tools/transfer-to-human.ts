import { maskPhone } from '@switchboard/service-kit';
import { dialTwiml } from '@switchboard/telephony';
import type { TranscriptMessage } from '../ports/app-server.ts';
import { type ToolContext, type ToolHandler, toolError } from './types.ts';

const EXCERPT_MESSAGES = 20;
/** How long a hand-off waits for the caller's last words to be transcribed. */
export const SETTLE_TRANSCRIPT_MS = 1_500;

/** A caller ID Twilio shows: E.164, and not a withheld caller (+266696687 spells ANONYMOUS). */
const SHOWABLE = /^\+[1-9]\d{6,14}$/;
const WITHHELD = new Set(['+266696687', '+86282452253', '+7378742833', '+2562533']);

/**
 * Caller ID for the transfer leg: the caller's own number for a PSTN call (Twilio lets a forwarded
 * call show it), else the profile's outbound number (a SIP caller, or a PSTN caller who withheld
 * theirs). Undefined when there is none: the tool then offers a callback.
 */
export function transferCallerId(ctx: Pick<ToolContext, 'call' | 'profile'>): string | undefined {
  const own = ctx.call.callerNumber;
  if (!ctx.call.isSip && SHOWABLE.test(own) && !WITHHELD.has(own)) return own;
  return ctx.profile.outboundCallerId || undefined;
}

/**
 * `<Dial>` to a transfer target, an E.164 number or a SIP URI, optionally after a `<Say>` (with the
 * language Twilio says it in).
 */
export function transferTwiml(
  target: string,
  callerId: string,
  say?: string | { text: string; language?: string },
): string {
  const line = typeof say === 'string' ? { text: say } : say;
  return dialTwiml({
    ...(/^sips?:/i.test(target) ? { sipUri: target } : { number: target }),
    callerId,
    ...(line?.text ? { say: line.text } : {}),
    ...(line?.language ? { sayOptions: { language: line.language } } : {}),
  });
}

/** The last messages of the conversation as plain lines, for the person who picks up. */
export function transcriptExcerpt(messages: TranscriptMessage[]): string {
  return messages
    .filter((m) => m.text && (m.role === 'caller' || m.role === 'agent'))
    .slice(-EXCERPT_MESSAGES)
    .map((m) => `${m.role === 'caller' ? 'Caller' : 'Agent'}: ${m.text}`)
    .join('\n');
}

/**
 * Hands the caller to a person: writes the warm hand-off ticket (summary, transcript, knowledge used),
 * lets the agent say a transition line, then redirects the live call to a <Dial>.
 */
export const transferToHuman: ToolHandler = {
  schema: {
    type: 'function',
    name: 'transfer_to_human',
    description:
      'Transfer the caller to a human colleague when they ask for a person, or when you cannot help. ' +
      'After calling it, tell the caller in one short sentence that you are connecting them now.',
    parameters: {
      type: 'object',
      properties: {
        reason: { type: 'string', description: 'Why the caller needs a person.' },
        summary: {
          type: 'string',
          description: 'Two or three sentences on the conversation so far for the colleague.',
        },
        priority: { type: 'string', enum: ['low', 'normal', 'high', 'urgent'] },
      },
      required: ['reason', 'summary'],
      additionalProperties: false,
    },
  },
  timeoutMs: 8_000,
  async run(args, ctx) {
    const target = ctx.profile.transferTarget;
    if (!target)
      return { output: toolError('No transfer line is configured. Offer the caller a callback instead.') };
    const callerId = transferCallerId(ctx);
    if (!callerId)
      return { output: toolError('No caller ID is available for a transfer. Offer a callback instead.') };
    const { ticketId } = await ctx.appServer.createHandoffTicket(ctx.call.callSid, {
      summary: `${String(args.reason)}. ${String(args.summary)}`,
      transcriptExcerpt: transcriptExcerpt(await ctx.settledTranscript(SETTLE_TRANSCRIPT_MS)),
      knowledgeChunkIds: [...ctx.knowledgeChunkIds],
      ...(args.priority ? { priority: args.priority as 'low' | 'normal' | 'high' | 'urgent' } : {}),
      transferTarget: target,
      idempotencyKey: `handoff:${ctx.call.callSid}`,
    });
    const twiml = transferTwiml(target, callerId);
    return {
      output: {
        ok: true,
        status: 'transferring',
        ticket_id: ticketId,
        instruction: 'Tell the caller you are connecting them now.',
      },
      afterReplyPlayed: async () => {
        ctx.log.info(
          { ticketId, target: maskPhone(target), callerId: maskPhone(callerId) },
          'transferring the call',
        );
        await ctx.transfer(twiml);
      },
    };
  },
};
