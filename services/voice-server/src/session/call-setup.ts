import type { RealtimeConnection } from '@switchboard/realtime';
import type { Logger } from '@switchboard/service-kit';
import { servedLanguages } from '../language/languages.ts';
import { platformLine, type SayLine } from '../language/platform-lines.ts';
import type { AmdGate, AmdWait } from '../outbound/amd-gate.ts';
import type { CallAiServer, CallProfile } from '../ports/ai-server.ts';
import type { CallInfo } from '../ports/call-control.ts';
import { errInfo } from './call-types.ts';
import type { CallLifecycle } from './lifecycle.ts';
import { APOLOGIES } from './lines.ts';
import type { DynamicToolSchema } from './tool-bridge.ts';

export interface CallSetup {
  rt: RealtimeConnection;
  profile: CallProfile;
  instructions: string;
  dynamicTools: DynamicToolSchema[];
}

export interface CallSetupDeps {
  call: CallInfo;
  aiServer: CallAiServer;
  lifecycle: CallLifecycle;
  log: Logger;
  /** Opens the call's Realtime socket. */
  open: () => Promise<RealtimeConnection>;
  /** The call may go ahead (credits available): app-server hears of it now. */
  /** `outbound`: the call is one the brand placed (it opens with its task). */
  onAccepted: (profile: CallProfile, outbound: boolean) => void;
  /** The Realtime socket would not open: the caller gets the profile's fallback. */
  onRealtimeUnavailable: () => Promise<void>;
  /** An outbound call waits for answering machine detection before its opening (absent: no wait). */
  amdGate?: AmdGate;
}

/**
 * Sets the call up: credits, bot profile, system prompt and the brand's tools from ai-server (credits
 * are checked before any Realtime socket opens), then the Realtime socket. When something is missing,
 * the caller hears an apology from Twilio and the call ends; undefined then.
 */
export async function setUpCall(deps: CallSetupDeps): Promise<CallSetup | undefined> {
  const { aiServer, call, lifecycle, log } = deps;
  const key = call.botProfileKey;
  let profile: CallProfile;
  let instructions: string;
  let dynamicTools: DynamicToolSchema[];
  let answerer: Promise<AmdWait> = Promise.resolve('human');
  try {
    const [credits, p, prompt, tools] = await Promise.all([
      aiServer.checkCredits(key),
      aiServer.getBotProfile(key),
      aiServer.getSystemPrompt(key, {
        callerNumber: call.callerNumber,
        isSip: call.isSip,
        callSid: call.callSid,
      }),
      aiServer.getAvailableTools(key).catch((err) => {
        log.warn({ err: errInfo(err) }, 'dynamic tools unavailable; continuing without them');
        return [];
      }),
    ]);
    if (lifecycle.isEnded) return undefined;
    if (!credits.available) {
      log.info('no credits left; apologizing and ending the call');
      await lifecycle.apologizeAndEnd('no_credits', setupApology(p, APOLOGIES.no_credits!));
      return undefined;
    }
    // An outbound call opens with its task and has its own tools (the outcome).
    profile = prompt.outbound ? { ...p, opening: prompt.outbound.opening } : p;
    deps.onAccepted(profile, !!prompt.outbound);
    instructions = prompt.instructions;
    dynamicTools = prompt.outbound ? [...tools, ...prompt.outbound.tools] : tools;
    // Asked while the Realtime socket opens; the opening waits for the verdict.
    if (prompt.outbound && deps.amdGate)
      answerer = deps.amdGate({
        outboundCallId: prompt.outbound.outboundCallId,
        callSid: call.callSid,
        isEnded: () => lifecycle.isEnded,
      });
  } catch (err) {
    if (lifecycle.isEnded) return undefined;
    log.error({ err: errInfo(err) }, 'bot profile or prompt unavailable');
    await lifecycle.apologizeAndEnd('profile_unavailable', platformLine('apology'));
    return undefined;
  }

  let rt: RealtimeConnection;
  try {
    rt = await deps.open();
  } catch (err) {
    if (lifecycle.isEnded) return undefined;
    log.error({ err: errInfo(err) }, 'Realtime socket failed to open');
    await deps.onRealtimeUnavailable();
    return undefined;
  }
  const verdict = await answerer;
  if (verdict !== 'human') log.info({ amd: verdict }, 'answering machine detection before the opening');
  if (lifecycle.isEnded || verdict === 'machine' || verdict === 'ended') {
    // On a machine the AMD route has put the voicemail message (or a hang-up) in the stream's place.
    rt.close(1000, verdict === 'machine' ? 'answering machine' : 'call ended');
    return undefined;
  }
  return { rt, profile, instructions, dynamicTools };
}

/** The apology when a call cannot start: in the profile's first language (its `lines.apology`, else built-in). */
function setupApology(profile: CallProfile, english: string): SayLine {
  return platformLine('apology', servedLanguages(profile)[0], english);
}
