/** Response schemas of the outbound call and do-not-call routes. */
import {
  answer,
  anyJson,
  arr,
  dateTime,
  int,
  nullable,
  obj,
  openObject,
  str,
} from '@switchboard/service-kit';

/** An outbound call as its brand sees it (`outboundView`). */
const outboundCallSchema = obj({
  id: str,
  status: str,
  to: str,
  from: str,
  profileKey: str,
  task: str,
  context: openObject,
  outcomeSchema: nullable(openObject),
  idempotencyKey: str,
  callSid: nullable(str),
  answeredBy: nullable(str),
  voicemail: nullable(str),
  /** The outcome the agent recorded, in the brand's own outcome schema. */
  outcome: anyJson,
  outcomeAt: nullable(dateTime),
  error: anyJson,
  durationSec: nullable(int),
  attempt: int,
  nextAttemptAt: nullable(dateTime),
  previousAttempts: arr(
    obj({ callSid: str, status: str, durationSec: int, endedAt: dateTime }, ['durationSec']),
  ),
  conversation: nullable(obj({ callSid: str, url: nullable(str) })),
  createdAt: dateTime,
  updatedAt: dateTime,
  endedAt: nullable(dateTime),
});

export const placedCallResponse = answer('The call, placed', outboundCallSchema);
export const repeatedCallResponse = answer('The call this idempotency key placed before', outboundCallSchema);
export const outboundCallResponse = answer('The call', outboundCallSchema);

export const outboundEventResponse = answer(
  "The call's status after the report, with what voice-server needs (profile, voicemail message)",
  obj({ id: str, profileRef: str, status: str, voicemailMessage: nullable(str) }),
);

export const doNotCallListResponse = answer(
  'The numbers, in order',
  obj({ numbers: arr(obj({ number: str, createdAt: dateTime })) }),
);
export const doNotCallAddedResponse = answer('How many numbers were new', obj({ added: int }));
