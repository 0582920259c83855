import { startStageSpan, tracingStarted } from '@switchboard/service-kit';
import type { TurnWaterfall } from './call-tracer.ts';
import { waterfallFigures } from './opik-call-trace.ts';

/** Attribute names of a turn's figures (ms from the caller's speech stopping). */
const ATTRIBUTE: Record<string, string> = {
  firstAudioMs: 'turn.first_audio_ms',
  firstTextMs: 'turn.first_text_ms',
  firstSynthMs: 'turn.first_synth_ms',
  firstFrameMs: 'turn.first_frame_ms',
};

/**
 * One OpenTelemetry span per conversational turn, under the call's span (the active context): from
 * the caller's speech stopping to the reply's first frame sent to Twilio, the waterfall as attributes.
 */
export function recordTurnSpan(callSid: string, turn: TurnWaterfall): void {
  // Tracing off: the span would be a no-op, and building it was about 1 % of the relay's CPU under
  // `pnpm bench voice-relay` (once per turn, its figures, attributes and a tracer lookup).
  if (!tracingStarted()) return;
  const figures = waterfallFigures(turn);
  const attributes: Record<string, string | number> = { 'call.sid': callSid, 'turn.item_id': turn.itemId };
  for (const [name, ms] of Object.entries(figures)) attributes[ATTRIBUTE[name]!] = ms;
  const start = Number.isFinite(turn.speechStoppedAt)
    ? turn.speechStoppedAt
    : Date.now() - figures.firstFrameMs!;
  startStageSpan('voice-server', 'turn', attributes, start).end(start + figures.firstFrameMs!);
}
