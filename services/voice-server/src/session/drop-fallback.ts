import type { Logger } from '@switchboard/service-kit';
import type { CallLanguageSpec } from '../language/languages.ts';
import { platformLine } from '../language/platform-lines.ts';
import type { CallProfile } from '../ports/ai-server.ts';
import type { AppServerClient, TranscriptMessage } from '../ports/app-server.ts';
import type { CallInfo } from '../ports/call-control.ts';
import {
  SETTLE_TRANSCRIPT_MS,
  transcriptExcerpt,
  transferCallerId,
  transferTwiml,
} from '../tools/transfer-to-human.ts';
import { errInfo } from './call-types.ts';
import type { CallLifecycle } from './lifecycle.ts';

export interface DropFallbackDeps {
  call: CallInfo;
  profile: CallProfile | undefined;
  lifecycle: CallLifecycle;
  appServer: AppServerClient;
  log: Logger;
  /** The conversation, once the caller's last words are transcribed (bounded wait). */
  transcript: (timeoutMs: number) => Promise<TranscriptMessage[]>;
  knowledgeChunkIds: Set<string>;
  /** Why no session can be had (the API refused for good, the model kept failing); else the drops. */
  fatalCode?: string;
  /** Says a line in the brand's own voice and waits for it to play; false when it cannot (Twilio says it). */
  sayInVoice?: (text: string) => Promise<boolean>;
  /** The call's language now: its transfer and callback lines (the profile's, else built-in or English). */
  language?: () => CallLanguageSpec | undefined;
}

/**
 * The model cannot be reached any more: the caller is transferred to the profile's human line with an
 * apology and a warm hand-off ticket, or, without one, promised a callback (a high-priority ticket)
 * and told goodbye. The call ends either way.
 */
export async function takeDropFallback(deps: DropFallbackDeps): Promise<void> {
  const { call, profile, lifecycle, appServer, log } = deps;
  const target = profile?.transferTarget;
  const callerId = profile ? transferCallerId({ call, profile }) : undefined;
  const language = deps.language?.();
  const transferLine = platformLine('transfer', language);
  const callbackLine = platformLine('callback', language);
  try {
    if (target && callerId) {
      await appServer
        .createHandoffTicket(call.callSid, {
          summary: deps.fatalCode
            ? `The AI agent could not go on (${deps.fatalCode}); the call was transferred.`
            : 'The AI agent lost its connection three times; the call was transferred.',
          transcriptExcerpt: transcriptExcerpt(await deps.transcript(SETTLE_TRANSCRIPT_MS)),
          knowledgeChunkIds: [...deps.knowledgeChunkIds],
          transferTarget: target,
          idempotencyKey: `handoff:${call.callSid}`,
        })
        .catch((err) => log.warn({ err: errInfo(err) }, 'hand-off ticket failed'));
      const voiced = (await deps.sayInVoice?.(transferLine.text)) ?? false;
      await lifecycle.transfer(transferTwiml(target, callerId, voiced ? undefined : transferLine));
      lifecycle.end('transferred');
      return;
    }
    await appServer
      .createCallbackTicket(call.callSid, {
        phone: call.callerNumber,
        reason: 'The call dropped because of a technical problem; call the customer back.',
        timezone: 'UTC',
        priority: 'high',
        idempotencyKey: `callback:${call.callSid}:dropped`,
      })
      .catch((err) => log.warn({ err: errInfo(err) }, 'callback ticket failed'));
    if (await deps.sayInVoice?.(callbackLine.text)) {
      await lifecycle.hangUp('realtime_unavailable');
      return;
    }
    await lifecycle.apologizeAndEnd(
      'realtime_unavailable',
      callbackLine,
      'could not apologize after the drops',
    );
    return;
  } catch (err) {
    log.warn({ err: errInfo(err) }, 'could not apologize after the drops; closing the stream');
  }
  lifecycle.end('realtime_unavailable');
}
