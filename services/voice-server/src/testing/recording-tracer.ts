import type {
  CallTrace,
  CallTracer,
  SttTranscription,
  ToolRun,
  TracedCall,
  TracedResponse,
  TtsSynthesis,
  TurnWaterfall,
} from '../telemetry/call-tracer.ts';

/** One call's trace as a test sees it: everything it was told, in order. */
export class RecordedTrace implements CallTrace {
  readonly tools: ToolRun[] = [];
  readonly responses: TracedResponse[] = [];
  readonly tts: TtsSynthesis[] = [];
  readonly stt: SttTranscription[] = [];
  readonly turns: TurnWaterfall[] = [];
  ended: { endReason: string; durationSec: number } | undefined;

  constructor(
    readonly traceId: string,
    readonly call: TracedCall,
  ) {}

  toolRan(run: ToolRun): void {
    this.tools.push(run);
  }
  responseDone(response: TracedResponse): void {
    this.responses.push(response);
  }
  ttsSynthesized(synthesis: TtsSynthesis): void {
    this.tts.push(synthesis);
  }
  sttTranscribed(transcription: SttTranscription): void {
    this.stt.push(transcription);
  }
  turnLatency(turn: TurnWaterfall): void {
    this.turns.push(turn);
  }
  end(summary: { endReason: string; durationSec: number }): void {
    this.ended = summary;
  }
}

/** A tracer that keeps each call's trace in memory (ids `trace-1`, `trace-2`, ...). */
export class RecordingCallTracer implements CallTracer {
  readonly traces: RecordedTrace[] = [];

  startCall(call: TracedCall): CallTrace {
    const trace = new RecordedTrace(`trace-${this.traces.length + 1}`, call);
    this.traces.push(trace);
    return trace;
  }

  async flush(): Promise<void> {}
}
