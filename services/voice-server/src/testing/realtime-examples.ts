// Well-formed examples of every Realtime server event the product acts on (shapes from the API
// reference, https://platform.openai.com/docs/api-reference/realtime-server-events), and one field of
// one of them removed, nulled, retyped or added: the fuzz suites' hostile events.
import fc from 'fast-check';

/** A well-formed example of each server event the product acts on (shapes from the API reference). */
export const EXAMPLES: Array<Record<string, unknown> & { type: string }> = [
  { type: 'session.updated', event_id: 'e', session: { type: 'realtime' } },
  { type: 'error', event_id: 'e', error: { type: 'server_error', code: null, message: 'm' } },
  { type: 'input_audio_buffer.speech_started', event_id: 'e', audio_start_ms: 1, item_id: 'u' },
  { type: 'input_audio_buffer.speech_stopped', event_id: 'e', audio_end_ms: 2, item_id: 'u' },
  { type: 'input_audio_buffer.committed', event_id: 'e', item_id: 'u', previous_item_id: null },
  {
    type: 'conversation.item.done',
    event_id: 'e',
    item: { id: 'u', type: 'message', role: 'user', content: [] },
  },
  {
    type: 'conversation.item.input_audio_transcription.completed',
    event_id: 'e',
    item_id: 'u',
    content_index: 0,
    transcript: 't',
  },
  {
    type: 'conversation.item.input_audio_transcription.failed',
    event_id: 'e',
    item_id: 'u',
    content_index: 0,
    error: { message: 'm' },
  },
  {
    type: 'response.created',
    event_id: 'e',
    response: { id: 'r_x', object: 'realtime.response', status: 'in_progress', output: [] },
  },
  {
    type: 'response.done',
    event_id: 'e',
    response: { id: 'r_x', object: 'realtime.response', status: 'completed', output: [] },
  },
  {
    type: 'response.output_item.added',
    event_id: 'e',
    response_id: 'r_x',
    output_index: 0,
    item: { id: 'i_x', type: 'message', role: 'assistant', content: [] },
  },
  {
    type: 'response.output_item.done',
    event_id: 'e',
    response_id: 'r_x',
    output_index: 0,
    item: {
      id: 'f_x',
      type: 'function_call',
      call_id: 'c_x',
      name: 'get_knowledge',
      arguments: '{"query":"hours"}',
    },
  },
  {
    type: 'response.output_audio.delta',
    event_id: 'e',
    response_id: 'r_x',
    item_id: 'i_x',
    output_index: 0,
    content_index: 0,
    delta: 'AAAA',
  },
  {
    type: 'response.output_audio_transcript.done',
    event_id: 'e',
    response_id: 'r_x',
    item_id: 'i_x',
    output_index: 0,
    content_index: 0,
    transcript: 't',
  },
  { type: 'rate_limits.updated', event_id: 'e', rate_limits: [] },
  // What a text-only session (a call in the brand's own voice) sends instead of audio.
  {
    type: 'session.created',
    event_id: 'e',
    session: { type: 'realtime', id: 'sess_x', object: 'realtime.session', output_modalities: ['text'] },
  },
  {
    type: 'response.output_text.delta',
    event_id: 'e',
    response_id: 'r_x',
    item_id: 'i_x',
    output_index: 0,
    content_index: 0,
    delta: 'Hello ',
  },
  {
    type: 'response.output_text.done',
    event_id: 'e',
    response_id: 'r_x',
    item_id: 'i_x',
    output_index: 0,
    content_index: 0,
    text: 'Hello there.',
  },
  {
    type: 'conversation.item.input_audio_transcription.delta',
    event_id: 'e',
    item_id: 'u',
    content_index: 0,
    delta: 'Where is',
  },
];

const badValue = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constant([]),
  fc.constant({}),
  fc.boolean(),
);

/** An example with one field (top-level or one level down) removed, nulled, retyped, or an extra one. */
export const mutatedEvent = fc
  .record({
    example: fc.constantFrom(...EXAMPLES),
    field: fc.nat(),
    nestedField: fc.nat(),
    deep: fc.boolean(),
    action: fc.constantFrom('delete', 'set', 'extra'),
    value: badValue,
    extraKey: fc.string({ maxLength: 12 }),
  })
  .map(({ example, field, nestedField, deep, action, value, extraKey }) => {
    const e: Record<string, unknown> = structuredClone(example);
    const keys = Object.keys(e).filter((k) => k !== 'type');
    let target = e;
    let key = keys[field % keys.length]!;
    const child = e[key];
    if (deep && child && typeof child === 'object' && !Array.isArray(child) && Object.keys(child).length) {
      target = child as Record<string, unknown>;
      const inner = Object.keys(target);
      key = inner[nestedField % inner.length]!;
    }
    if (action === 'delete') delete target[key];
    else if (action === 'set') target[key] = value;
    else target[extraKey || 'extra'] = value;
    return e as Record<string, unknown> & { type: string };
  });
