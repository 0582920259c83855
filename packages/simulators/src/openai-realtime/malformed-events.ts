/**
 * Malformed server events of known types, for the `malformedEvents` fault. Each breaks one rule of
 * the event's schema in the official OpenAPI spec (openai/openai-openapi, components.schemas
 * `RealtimeServerEvent*`): a required field missing, or a field of the wrong type. A real socket can
 * deliver such frames (a proxy, a partial deploy, a bug); a client must drop them, not crash.
 */

/** One kind of malformed event. */
export type MalformedEventKind = keyof typeof MALFORMED_EVENTS;

/** Ids of the response in progress, so malformed events can point at it. */
export interface MalformedContext {
  responseId: string | null;
}

interface MalformedEventSpec {
  /** The schema the event claims to be, and the rule it breaks. */
  schema: string;
  breaks: string;
  /** The event, or (for a frame that is not JSON) the raw text. */
  build(ctx: MalformedContext): ({ type: string } & Record<string, unknown>) | string;
}

/** The catalogue. `non_json_frame` is the odd one out: a text frame that is not JSON at all. */
export const MALFORMED_EVENTS = {
  error_without_error: {
    schema: 'RealtimeServerEventError',
    breaks: 'required `error` missing',
    build: () => ({ type: 'error' }),
  },
  response_created_without_response: {
    schema: 'RealtimeServerEventResponseCreated',
    breaks: 'required `response` missing',
    build: () => ({ type: 'response.created' }),
  },
  response_done_without_response: {
    schema: 'RealtimeServerEventResponseDone',
    breaks: 'required `response` missing',
    build: () => ({ type: 'response.done' }),
  },
  item_added_without_item: {
    schema: 'RealtimeServerEventConversationItemAdded',
    breaks: 'required `item` missing',
    build: () => ({ type: 'conversation.item.added', previous_item_id: null }),
  },
  audio_delta_wrong_types: {
    schema: 'RealtimeServerEventResponseAudioDelta',
    breaks: '`delta` a number (string required), `output_index` a string (integer required), `item_id` null',
    build: (ctx) => ({
      type: 'response.output_audio.delta',
      response_id: ctx.responseId ?? 'resp_malformed',
      item_id: null,
      output_index: '0',
      content_index: 0,
      delta: 12345,
    }),
  },
  transcript_delta_null: {
    schema: 'RealtimeServerEventResponseAudioTranscriptDelta',
    breaks: '`delta` null (string required)',
    build: (ctx) => ({
      type: 'response.output_audio_transcript.delta',
      response_id: ctx.responseId ?? 'resp_malformed',
      item_id: 'item_malformed',
      output_index: 0,
      content_index: 0,
      delta: null,
    }),
  },
  speech_started_wrong_types: {
    schema: 'RealtimeServerEventInputAudioBufferSpeechStarted',
    breaks: '`audio_start_ms` a string (integer required), `item_id` a number',
    build: () => ({ type: 'input_audio_buffer.speech_started', audio_start_ms: 'soon', item_id: 42 }),
  },
  session_updated_wrong_type: {
    schema: 'RealtimeServerEventSessionUpdated',
    breaks: '`session` a string (object required)',
    build: () => ({ type: 'session.updated', session: 'gpt-realtime' }),
  },
  function_arguments_done_wrong_types: {
    schema: 'RealtimeServerEventResponseFunctionCallArgumentsDone',
    breaks: '`arguments` an object (JSON string required), `call_id` null, `name` missing',
    build: (ctx) => ({
      type: 'response.function_call_arguments.done',
      response_id: ctx.responseId ?? 'resp_malformed',
      item_id: 'item_malformed',
      output_index: 0,
      call_id: null,
      arguments: { query: 'not a string' },
    }),
  },
  rate_limits_wrong_type: {
    schema: 'RealtimeServerEventRateLimitsUpdated',
    breaks: '`rate_limits` a string (array required)',
    build: () => ({ type: 'rate_limits.updated', rate_limits: 'unlimited' }),
  },
  non_json_frame: {
    schema: '(none)',
    breaks: 'the text frame is not JSON',
    build: () => '{"type":"response.output_audio.delta","delta":',
  },
} satisfies Record<string, MalformedEventSpec>;

/** Every kind, in catalogue order. */
export const MALFORMED_EVENT_KINDS = Object.keys(MALFORMED_EVENTS) as MalformedEventKind[];

/** True for a known kind name. */
export function isMalformedEventKind(value: unknown): value is MalformedEventKind {
  return typeof value === 'string' && Object.hasOwn(MALFORMED_EVENTS, value);
}
