import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient, TranscriptMessage } from '../ports/app-server.ts';
import type { TwilioRest } from '../ports/twilio-rest.ts';
import type { CallInfo } from '../session/session-manager.ts';

/** What a tool may use during a call. */
export interface ToolContext {
  call: CallInfo;
  profile: CallProfile;
  log: Logger;
  /** Aborted when the tool times out or the call ends. */
  signal: AbortSignal;
  aiServer: CallAiServer;
  appServer: AppServerClient;
  twilioRest: TwilioRest;
  /** The conversation so far, in order. */
  transcript(): TranscriptMessage[];
  /** Knowledge chunks retrieved during this call (for the warm hand-off). */
  knowledgeChunkIds: Set<string>;
}

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
