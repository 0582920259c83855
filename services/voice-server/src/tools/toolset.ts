import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import { createCallbackTicket } from './create-callback-ticket.ts';
import { dynamicTool } from './dynamic-tool.ts';
import { endCall } from './end-call.ts';
import { getKnowledge } from './get-knowledge.ts';
import { transferToHuman } from './transfer-to-human.ts';
import type { ToolHandler } from './types.ts';

/** Slack over a dynamic tool's own timeout for ai-server's round trip. */
const DYNAMIC_TOOL_MARGIN_MS = 2_000;

/** The one place a call's tools are assembled: the built-ins, then the brand's dynamic tools. */
export class Toolset {
  private readonly handlers = new Map<string, ToolHandler>();

  constructor(builtins: ToolHandler[]) {
    for (const h of builtins) this.handlers.set(h.schema.name, h);
  }

  /** Adds the brand's tools; a name that collides with a built-in (or repeats) is refused and logged. */
  addDynamic(tools: Array<RealtimeFunctionTool & { timeoutMs?: number }>, log: Logger): void {
    for (const { timeoutMs, ...t } of tools) {
      const name = t.name;
      if (!name || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
        log.warn({ tool: name }, 'dynamic tool refused: invalid name');
        continue;
      }
      if (this.handlers.has(name)) {
        log.warn({ tool: name }, 'dynamic tool refused: its name collides with a tool already defined');
        continue;
      }
      // ai-server enforces the tool's own timeout; wait a little longer for its answer to come back.
      this.handlers.set(name, dynamicTool(t, timeoutMs ? timeoutMs + DYNAMIC_TOOL_MARGIN_MS : undefined));
    }
  }

  get(name: string): ToolHandler | undefined {
    return this.handlers.get(name);
  }

  /** Every tool's Realtime function schema, for session.update. */
  schemas(): RealtimeFunctionTool[] {
    return [...this.handlers.values()].map((h) => h.schema);
  }
}

/** The built-in phone tools. */
export function builtinTools(): ToolHandler[] {
  return [getKnowledge, transferToHuman, createCallbackTicket, endCall];
}
