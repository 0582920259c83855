import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { ToolHandler } from './types.ts';

/** A brand's own tool from ai-server: its schema as given, its calls forwarded to execute_tool. */
export function dynamicTool(schema: RealtimeFunctionTool, timeoutMs?: number): ToolHandler {
  const name = schema.name ?? '';
  return {
    schema: {
      ...schema,
      type: 'function',
      name,
      parameters: (schema.parameters as Record<string, unknown>) ?? { type: 'object' },
    },
    ...(timeoutMs ? { timeoutMs } : {}),
    async run(args, ctx) {
      const r = await ctx.aiServer.executeTool(ctx.profile.key, {
        name,
        arguments: args,
        callSid: ctx.call.callSid,
      });
      if (r.ok) return { output: { ok: true, result: r.result } };
      const error = typeof r.error === 'string' ? r.error : `${r.error.message} (${r.error.code})`;
      return { output: { ok: false, error } };
    },
  };
}
