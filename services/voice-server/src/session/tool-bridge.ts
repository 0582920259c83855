import type { RealtimeFunctionTool } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient } from '../ports/app-server.ts';
import type { CallControl, CallInfo } from '../ports/call-control.ts';
import type { ToolRun } from '../telemetry/call-tracer.ts';
import { thinkingSoundChunks } from '../tools/thinking-sound.ts';
import { type FunctionCall, ToolRunner, type ToolRunnerHost } from '../tools/tool-runner.ts';
import { builtinTools, Toolset } from '../tools/toolset.ts';
import type { ToolHandler } from '../tools/types.ts';
import type { AfterReply } from './after-reply.ts';
import type { AudioOut } from './audio-out.ts';
import { THINKING_ITEM } from './call-types.ts';
import type { CallLifecycle } from './lifecycle.ts';
import type { PlaybackTracker } from './playback-tracker.ts';
import type { RealtimeLink } from './realtime-link.ts';
import type { ResponseQueue } from './response-queue.ts';
import type { Transcript } from './transcript.ts';

export interface ToolBridgeDeps {
  call: CallInfo;
  log: Logger;
  lifecycle: CallLifecycle;
  link: RealtimeLink;
  responses: ResponseQueue;
  afterReply: AfterReply;
  audioOut: AudioOut;
  playback: PlaybackTracker;
  transcript: Transcript;
  aiServer: CallAiServer;
  appServer: AppServerClient;
  /** The language knowledge is searched in now. */
  knowledgeLanguage?: () => string | undefined;
  /** Told of every tool run (metrics, tracing). */
  onToolRan?: (run: ToolRun) => void;
}

/** A brand tool as ai-server lists it, with its own time budget when it has one. */
export type DynamicToolSchema = RealtimeFunctionTool & { timeoutMs?: number };

/**
 * The call's tools: the toolset (built-ins and the brand's), the runner that executes the model's
 * function calls in the background, and the narrow `CallControl` each tool is given. Outputs go to the
 * session the call came from; a result that outlives its session reaches the new one as a note.
 */
export class ToolBridge {
  readonly knowledgeChunkIds = new Set<string>();
  private runner: ToolRunner | undefined;
  private profile: CallProfile | undefined;
  /** The Realtime session each running call came from. */
  private readonly callGeneration = new Map<string, number>();

  constructor(private readonly deps: ToolBridgeDeps) {}

  /** Assembles the call's tools; returns their schemas for session.update. */
  start(
    profile: CallProfile,
    dynamicTools: DynamicToolSchema[],
    extra: ToolHandler[] = [],
  ): RealtimeFunctionTool[] {
    this.profile = profile;
    const toolset = new Toolset([...builtinTools(), ...extra]);
    toolset.addDynamic(dynamicTools, this.deps.log);
    this.runner = new ToolRunner(toolset, this.host(), this.deps.log);
    return toolset.schemas();
  }

  /** Tools still running. */
  get pending(): number {
    return this.runner?.pending ?? 0;
  }

  get liveTimers(): number {
    return this.runner?.liveTimers ?? 0;
  }

  /** The model finished a function call item. */
  onFunctionCall(call: FunctionCall): void {
    if (!this.runner) return;
    this.callGeneration.set(call.callId, this.deps.link.generation);
    this.runner.start(call);
  }

  onResponseDone(responseId: string): void {
    this.runner?.onResponseDone(responseId);
  }

  onBargeIn(): void {
    this.runner?.onBargeIn();
  }

  dispose(): void {
    this.runner?.dispose();
  }

  private host(): ToolRunnerHost {
    const { link, responses, afterReply, playback, audioOut, transcript } = this.deps;
    return {
      context: (signal) => this.control(signal),
      sendOutput: (callId, output) => {
        if (this.callGeneration.get(callId) === link.generation) {
          link.send({
            type: 'conversation.item.create',
            item: { type: 'function_call_output', call_id: callId, output: JSON.stringify(output) },
          });
        } else {
          // The call came from a Realtime session that has since been replaced: tell the new one in words.
          link.note(
            `A tool you called before the line dropped returned: ${JSON.stringify(output).slice(0, 2000)}`,
          );
        }
        this.callGeneration.delete(callId);
      },
      requestResponse: () => responses.request(),
      afterReplyPlayed: (toolName, action) => afterReply.add(toolName, action),
      playThinkingSound: () => {
        if (this.deps.lifecycle.isEnded) return false;
        if (playback.hasPendingAudio && !playback.onlyPending(THINKING_ITEM)) return false;
        audioOut.local(THINKING_ITEM, thinkingSoundChunks());
        return true;
      },
      stopThinkingSound: () => {
        if (playback.onlyPending(THINKING_ITEM)) audioOut.clear();
      },
      recordTool: (call, args, output, durationMs) => {
        const ok = !(output && typeof output === 'object' && (output as { ok?: unknown }).ok === false);
        this.deps.onToolRan?.({ call, args, output, durationMs, ok });
        transcript.add({
          role: 'tool',
          text: call.name,
          itemId: call.callId,
          startedAt: new Date().toISOString(),
          source: 'tool',
          toolName: call.name,
          toolArguments: args,
          toolResult: output,
          latency: { responseMs: durationMs },
        });
      },
    };
  }

  private control(signal: AbortSignal): CallControl {
    const { call, log, lifecycle, aiServer, appServer, transcript } = this.deps;
    return {
      call,
      profile: this.profile!,
      log,
      signal: AbortSignal.any([signal, lifecycle.signal]),
      aiServer,
      appServer,
      transcript: () => transcript.messages(),
      settledTranscript: (timeoutMs) => transcript.settled(timeoutMs),
      knowledgeChunkIds: this.knowledgeChunkIds,
      knowledgeLanguage: () => this.deps.knowledgeLanguage?.(),
      transfer: (twiml) => lifecycle.transfer(twiml),
      hangUp: () => lifecycle.hangUp(),
    };
  }
}
