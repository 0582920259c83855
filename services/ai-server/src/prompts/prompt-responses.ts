/** Response schemas of the system-prompt routes (`SystemPromptResponse` of the ai-server client). */
import { answer, arr, bool, dateTime, int, obj, oneOf, openObject, str } from '@switchboard/service-kit';

const localTime = obj({ at: dateTime, local: str });

/** Business hours at the time of the call (`BusinessHoursStatusDto`). */
export const businessHoursNowSchema = obj(
  {
    open: bool,
    timezone: str,
    localTime: str,
    localDate: str,
    holiday: str,
    closesAt: localTime,
    nextOpening: obj({ at: dateTime, local: str, inMinutes: int }),
  },
  ['holiday', 'closesAt', 'nextOpening'],
);

/** A Realtime API function tool; `parameters` is the brand's own JSON Schema. */
export const realtimeToolSchema = obj(
  { type: oneOf('function'), name: str, description: str, parameters: openObject, timeoutMs: int },
  ['timeoutMs'],
);

const systemPrompt = obj(
  {
    instructions: str,
    businessHours: businessHoursNowSchema,
    outbound: obj({ outboundCallId: str, opening: str, tools: arr(realtimeToolSchema) }),
  },
  ['outbound'],
);

export const systemPromptResponse = answer(
  "The call's instructions and business hours now; `outbound` when the brand asked for this call",
  systemPrompt,
);
export const promptPreviewResponse = answer('The instructions a call would get now', systemPrompt);
