/**
 * Client-event intake: a frame from the socket is parsed, logged and observed, then dispatched to
 * the handler for its type. A handler's {@link RealtimeProtocolError} becomes the real `error` event
 * (with the client's `event_id`); anything else becomes a `server_error`, so no frame can break the
 * session.
 */
import type { RawData } from 'ws';
import { RealtimeProtocolError } from './errors.ts';
import type { EventLog } from './event-log.ts';
import type { ServerEventOutbox } from './outbox.ts';
import { quotedList } from './validate.ts';

/** The client event types of the GA protocol, in the order the real API lists them. */
export const CLIENT_EVENT_TYPES = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'output_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
] as const;

/** One client event type. */
export type ClientEventType = (typeof CLIENT_EVENT_TYPES)[number];

/** A handler per client event type; it throws {@link RealtimeProtocolError} to refuse the event. */
export type ClientEventHandlers = Record<ClientEventType, (event: Record<string, unknown>) => void>;

/** What the intake needs from its session. */
export interface ClientIntakeOptions {
  log: EventLog;
  out: ServerEventOutbox;
  handlers: Omit<ClientEventHandlers, 'output_audio_buffer.clear'>;
  /** Called with every parsed event, before it is handled. */
  onParsed?: (event: Record<string, unknown>) => void;
}

const INVALID_JSON_MESSAGE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)";

/** Parses, logs and dispatches one socket frame. Never throws. */
export function handleClientFrame(data: RawData, isBinary: boolean, opts: ClientIntakeOptions): void {
  const text = isBinary ? null : rawToString(data);
  let parsed: unknown;
  try {
    if (text === null) throw new Error('binary frame');
    parsed = JSON.parse(text);
  } catch {
    opts.log.record('client', '(malformed)', { raw: text === null ? '<binary>' : text.slice(0, 200) });
    opts.out.sendError(new RealtimeProtocolError('invalid_json', INVALID_JSON_MESSAGE), null);
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    opts.log.record('client', '(malformed)', { raw: text!.slice(0, 200) });
    opts.out.sendError(
      new RealtimeProtocolError('invalid_type', 'Invalid type: expected an object event.', null),
      null,
    );
    return;
  }
  const event = parsed as Record<string, unknown>;
  opts.onParsed?.(event);
  const type = typeof event.type === 'string' ? event.type : '(missing)';
  opts.log.record('client', type, event);
  const clientEventId = typeof event.event_id === 'string' ? event.event_id : null;
  try {
    dispatch(type, event, opts.handlers);
  } catch (err) {
    if (err instanceof RealtimeProtocolError) opts.out.sendError(err, clientEventId);
    else {
      opts.out.send({
        type: 'error',
        error: {
          type: 'server_error',
          code: null,
          message: 'The server had an error while processing your request.',
          param: null,
          event_id: clientEventId,
        },
      });
    }
  }
}

function dispatch(type: string, event: Record<string, unknown>, handlers: ClientIntakeOptions['handlers']) {
  if (type === '(missing)') {
    throw new RealtimeProtocolError(
      'missing_required_parameter',
      "Missing required parameter: 'type'.",
      'type',
    );
  }
  if (type === 'output_audio_buffer.clear') {
    throw new RealtimeProtocolError(
      'unsupported_event',
      'output_audio_buffer.clear is only supported for WebRTC and SIP connections.',
      'type',
    );
  }
  const handler = Object.hasOwn(handlers, type) ? handlers[type as keyof typeof handlers] : undefined;
  if (!handler) {
    throw new RealtimeProtocolError(
      'invalid_value',
      `Invalid value: '${type}'. Supported values are: ${quotedList(CLIENT_EVENT_TYPES)}.`,
      'type',
    );
  }
  handler(event);
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
