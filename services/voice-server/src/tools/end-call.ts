import type { ToolHandler } from './types.ts';

/** Ends the call politely: the agent says goodbye, and once it has played the call is hung up. */
export const endCall: ToolHandler = {
  schema: {
    type: 'function',
    name: 'end_call',
    description: 'End the call when the caller is done or says goodbye. Then say a short goodbye.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why the call is ending.' } },
      additionalProperties: false,
    },
  },
  timeoutMs: 2_000,
  async run(_args, ctx) {
    return {
      output: { ok: true, status: 'ending', instruction: 'Say a brief, friendly goodbye now.' },
      afterReplyPlayed: () => ctx.hangUp(),
    };
  },
};
