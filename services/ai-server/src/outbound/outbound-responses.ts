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
/** Delivery of the call's outcome event to the brand's webhook (`DeliveryView`); null before the end. */
const webhookDeliverySchema = obj({
  eventId: str,
  state: str,
  attempts: int,
  lastStatus: nullable(int),
  lastError: nullable(str),
  nextAttemptAt: nullable(dateTime),
  deliveredAt: nullable(dateTime),
});

export const outboundCallResponse = answer(
  'The call, with its outcome webhook delivery',
  obj({ ...outboundCallSchema.properties, webhook: nullable(webhookDeliverySchema) }),
);

/** The brand's outcome webhook; `secret` only in the answer that made it. */
const webhookSchema = obj({ url: str, createdAt: dateTime, updatedAt: dateTime, secret: str }, ['secret']);
export const webhookCreatedResponse = answer(
  'The webhook, made: its signing secret is shown this once',
  webhookSchema,
);
export const webhookResponse = answer('The webhook (with the secret only when rotated)', webhookSchema);

export const outboundEventResponse = answer(
  "The call's status after the report, with what voice-server needs (profile, voicemail message)",
  obj({ id: str, profileRef: str, status: str, voicemailMessage: nullable(str), answeredBy: nullable(str) }, [
    'answeredBy',
  ]),
);

export const doNotCallListResponse = answer(
  'The numbers, in order',
  obj({ numbers: arr(obj({ number: str, createdAt: dateTime })) }),
);
export const doNotCallAddedResponse = answer('How many numbers were new', obj({ added: int }));
