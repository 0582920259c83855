import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { CallControl } from '../ports/call-control.ts';

/** What a tool may use during a call: the narrow call port, never the session. */
export type ToolContext = CallControl;
/** What a tool hands back: the output the model sees, and optionally work to do once its reply has played. */
export interface ToolResult {
  output: unknown;
  /**
   * Runs after the model's reply to this output has been heard in full (the transition line before a
   * transfer, the goodbye before hanging up).
   */
  afterReplyPlayed?: () => Promise<void>;
}

/** A built-in or dynamic tool: its Realtime function schema and its handler. */
export interface ToolHandler {
  schema: RealtimeFunctionTool & { name: string; parameters: Record<string, unknown> };
  /** Default 10 s. */
  timeoutMs?: number;
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<ToolResult>;
}

/** The error output the model sees when a tool fails, so it can apologize or retry. */
export function toolError(message: string): { ok: false; error: string } {
  return { ok: false, error: message };
}
