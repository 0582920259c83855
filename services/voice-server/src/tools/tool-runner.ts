import type { Logger } from '@switchboard/service-kit';
import type { ValidateFunction } from 'ajv';
import { validatorFor } from './argument-validators.ts';
import type { Toolset } from './toolset.ts';
import { type ToolContext, type ToolHandler, type ToolResult, toolError } from './types.ts';

export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;
/** A tool still running after this long gets the thinking sound. */
export const THINKING_AFTER_MS = 500;
/** The sound repeats this often while a tool runs. */
export const THINKING_EVERY_MS = 3_000;
/** While the agent is still talking, the sound waits and checks again this often. */
const THINKING_RECHECK_MS = 100;

/** A function call the model made. */
export interface FunctionCall {
  callId: string;
  name: string;
  argumentsJson: string;
  responseId: string;
}

/** What the runner needs from the session. */
export interface ToolRunnerHost {
  context(signal: AbortSignal): ToolContext;
  /** Sends a function_call_output item. */
  sendOutput(callId: string, output: unknown): void;
  /** Asks the model to continue with the outputs in context. */
  requestResponse(): void;
  /** Runs `action` once the model's next reply has been heard; dropped if the caller interrupts it. */
  afterReplyPlayed(toolName: string, action: () => Promise<void>): void;
  /** Plays the thinking sound; false when agent audio is still playing (try again shortly). */
  playThinkingSound(): boolean;
  /** Cuts a thinking sound still in Twilio's buffer. */
  stopThinkingSound(): void;
  /** Records the tool call in the transcript. */
  recordTool(call: FunctionCall, args: unknown, output: unknown, durationMs: number): void;
}

interface Running {
  call: FunctionCall;
  abort: AbortController;
}

/**
 * Runs the model's function calls in the background: the Realtime loop never waits on a tool. Outputs
 * go back as function_call_output items; once every call of a response is answered, one response.create.
 */
export class ToolRunner {
  private readonly running = new Map<string, Running>();
  /** Per response: calls not yet answered, and whether response.done has arrived. */
  private readonly responses = new Map<string, { open: number; done: boolean }>();
  private readonly validators = new Map<string, ValidateFunction>();
  private thinkingTimer: NodeJS.Timeout | undefined;
  private thinkingSuppressed = false;
  private disposed = false;
  /** Times the thinking sound was played (tests, metrics). */
  thinkingPlays = 0;

  constructor(
    private readonly toolset: Toolset,
    private readonly host: ToolRunnerHost,
    private readonly log: Logger,
  ) {}

  /** Tools still running. */
  get pending(): number {
    return this.running.size;
  }

  /** Starts a function call in the background. */
  start(call: FunctionCall): void {
    if (this.disposed || this.running.has(call.callId)) return;
    const entry = this.responses.get(call.responseId) ?? { open: 0, done: false };
    entry.open++;
    this.responses.set(call.responseId, entry);
    const abort = new AbortController();
    this.running.set(call.callId, { call, abort });
    if (this.running.size === 1) this.startThinkingLoop();
    void this.execute(call, abort);
  }

  /** The response that carried function calls has ended. */
  onResponseDone(responseId: string): void {
    const entry = this.responses.get(responseId);
    if (!entry) return;
    entry.done = true;
    this.maybeContinue(responseId);
  }

  /** The caller started talking: the sound stops at once and stays off until the tools are done. */
  onBargeIn(): void {
    this.thinkingSuppressed = true;
    this.clearThinkingTimer();
  }

  /** Ends everything (hang-up): running tools are aborted and no output is sent. */
  dispose(): void {
    this.disposed = true;
    this.clearThinkingTimer();
    for (const r of this.running.values()) r.abort.abort();
    this.running.clear();
    this.responses.clear();
  }

  private async execute(call: FunctionCall, abort: AbortController): Promise<void> {
    const started = performance.now();
    const handler = this.toolset.get(call.name);
    let args: Record<string, unknown> = {};
    let result: ToolResult;
    if (!handler) {
      result = { output: toolError(`Unknown tool ${call.name}.`) };
    } else {
      const parsed = this.parseArguments(handler, call.argumentsJson);
      if ('error' in parsed) result = { output: toolError(parsed.error) };
      else {
        args = parsed.args;
        result = await this.runWithTimeout(handler, args, abort);
      }
    }
    if (this.disposed) return;
    const durationMs = Math.round(performance.now() - started);
    this.running.delete(call.callId);
    if (this.running.size === 0) this.stopThinkingLoop();
    this.host.recordTool(call, args, result.output, durationMs);
    this.host.sendOutput(call.callId, result.output);
    if (result.afterReplyPlayed) this.host.afterReplyPlayed(call.name, result.afterReplyPlayed);
    const entry = this.responses.get(call.responseId);
    if (entry) entry.open--;
    this.maybeContinue(call.responseId);
  }

  private maybeContinue(responseId: string): void {
    const entry = this.responses.get(responseId);
    if (!entry?.done || entry.open > 0) return;
    this.responses.delete(responseId);
    this.host.requestResponse();
  }

  private parseArguments(
    handler: ToolHandler,
    json: string,
  ): { args: Record<string, unknown> } | { error: string } {
    let value: unknown;
    try {
      value = json.trim() === '' ? {} : JSON.parse(json);
    } catch {
      return { error: 'The arguments were not valid JSON. Call the tool again with valid JSON arguments.' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: 'The arguments must be a JSON object.' };
    let validate = this.validators.get(handler.schema.name);
    if (!validate) {
      try {
        validate = validatorFor(handler.schema.parameters);
      } catch {
        return { error: `The ${handler.schema.name} tool is misconfigured; do not call it again.` };
      }
      this.validators.set(handler.schema.name, validate);
    }
    if (!validate(value)) {
      const e = validate.errors?.[0];
      const where = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'arguments';
      const what =
        e?.params && 'missingProperty' in e.params
          ? `${e.params.missingProperty} is required`
          : `${where} ${e?.message ?? 'is invalid'}`;
      return { error: `Invalid arguments: ${what}. Call the tool again with corrected arguments.` };
    }
    return { args: value as Record<string, unknown> };
  }

  private async runWithTimeout(
    handler: ToolHandler,
    args: Record<string, unknown>,
    abort: AbortController,
  ): Promise<ToolResult> {
    const timeoutMs = handler.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<ToolResult>((resolve) => {
      timer = setTimeout(() => {
        abort.abort('timeout');
        resolve({
          output: toolError(`The ${handler.schema.name} tool did not answer within ${timeoutMs / 1000} s.`),
        });
      }, timeoutMs);
    });
    try {
      return await Promise.race([handler.run(args, this.host.context(abort.signal)), timedOut]);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.warn({ tool: handler.schema.name, err: { message } }, 'tool failed');
      return { output: toolError(`The ${handler.schema.name} tool failed: ${message.slice(0, 200)}`) };
    } finally {
      clearTimeout(timer);
    }
  }

  private startThinkingLoop(): void {
    this.thinkingSuppressed = false;
    this.scheduleThinking(THINKING_AFTER_MS);
  }

  private scheduleThinking(delayMs: number): void {
    this.clearThinkingTimer();
    this.thinkingTimer = setTimeout(() => {
      this.thinkingTimer = undefined;
      if (this.disposed || this.thinkingSuppressed || this.running.size === 0) return;
      if (this.host.playThinkingSound()) {
        this.thinkingPlays++;
        this.scheduleThinking(THINKING_EVERY_MS);
      } else {
        this.scheduleThinking(THINKING_RECHECK_MS);
      }
    }, delayMs);
  }

  private stopThinkingLoop(): void {
    this.clearThinkingTimer();
    this.host.stopThinkingSound();
  }

  private clearThinkingTimer(): void {
    if (this.thinkingTimer) clearTimeout(this.thinkingTimer);
    this.thinkingTimer = undefined;
  }

  /** Timers this runner holds (tests assert none are left). */
  get liveTimers(): number {
    return this.thinkingTimer ? 1 : 0;
  }
}
