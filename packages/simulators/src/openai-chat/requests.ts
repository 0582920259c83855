import { isObject, strictSchemaProblem } from './strict-schema.ts';

/** An OpenAI API error: the status and the `error` object the real API sends. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }
  body() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

/** What a request asks for, whichever API it came through. */
export interface ParsedRequest {
  model: string;
  /** Text of the user turns (what the simulated model reads the call from). */
  userText: string;
  /** A JSON Schema to answer in, or none (free text). */
  format: { name: string; schema: Record<string, unknown>; strict: boolean } | null;
  inputChars: number;
}

/** Chat models that take `json_schema` structured outputs (dated snapshots included). */
const STRUCTURED_MODELS =
  /^(gpt-4o|gpt-4o-mini|gpt-4\.1(-mini|-nano)?|gpt-5(\.\d)?(-mini|-nano)?|o1|o3(-mini)?|o4-mini)(-\d{4}-\d{2}-\d{2})?$/;
const SCHEMA_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function requireModel(b: Record<string, unknown>): string {
  // The API's wording for a missing model (quoted in mckaywrigley/chatbot-ui#656, danielmiessler/Fabric#239).
  if (b.model === undefined || b.model === null || b.model === '')
    throw new ApiError(400, 'you must provide a model parameter');
  if (typeof b.model !== 'string')
    throw new ApiError(
      400,
      "Invalid type for 'model': expected a string, but got an object instead.",
      'invalid_request_error',
      'model',
      'invalid_type',
    );
  if (!STRUCTURED_MODELS.test(b.model))
    throw new ApiError(
      404,
      `The model \`${b.model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      null,
      'model_not_found',
    );
  return b.model;
}

function checkFormat(
  raw: unknown,
  where: { nameParam: string; schemaParam: string },
): ParsedRequest['format'] {
  if (!isObject(raw)) return null;
  if (raw.type === 'text' || raw.type === 'json_object') return null;
  if (raw.type !== 'json_schema')
    throw new ApiError(
      400,
      `Invalid value: '${String(raw.type)}'. Supported values are: 'text', 'json_object', and 'json_schema'.`,
      'invalid_request_error',
      where.nameParam.replace(/\.?(json_schema\.)?name$/, '.type'),
      'invalid_value',
    );
  const spec = where.nameParam.startsWith('response_format') ? raw.json_schema : raw;
  if (!isObject(spec))
    throw new ApiError(
      400,
      "Missing required parameter: 'response_format.json_schema'.",
      'invalid_request_error',
      'response_format.json_schema',
      'missing_required_parameter',
    );
  if (typeof spec.name !== 'string')
    throw new ApiError(
      400,
      `Missing required parameter: '${where.nameParam}'.`,
      'invalid_request_error',
      where.nameParam,
      'missing_required_parameter',
    );
  if (!SCHEMA_NAME.test(spec.name))
    throw new ApiError(
      400,
      `Invalid '${where.nameParam}': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`,
      'invalid_request_error',
      where.nameParam,
      'invalid_value',
    );
  const schema = isObject(spec.schema) ? spec.schema : {};
  const strict = spec.strict === true;
  if (strict) {
    const problem = strictSchemaProblem(schema);
    if (problem)
      throw new ApiError(
        400,
        `Invalid schema for response_format '${spec.name}': ${problem}`,
        'invalid_request_error',
        where.schemaParam,
        'invalid_json_schema',
      );
  }
  return { name: spec.name, schema, strict };
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('\n');
  return '';
}

/** `POST /v1/chat/completions`: model, messages, response_format. */
export function parseChatRequest(body: unknown): ParsedRequest {
  if (!isObject(body)) throw new ApiError(400, 'We could not parse the JSON body of your request.');
  const model = requireModel(body);
  if (!Array.isArray(body.messages))
    throw new ApiError(
      400,
      "Missing required parameter: 'messages'.",
      'invalid_request_error',
      'messages',
      'missing_required_parameter',
    );
  if (!body.messages.length)
    throw new ApiError(
      400,
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'invalid_request_error',
      'messages',
      'empty_array',
    );
  let userText = '';
  let inputChars = 0;
  for (const [i, m] of body.messages.entries()) {
    if (!isObject(m) || !['system', 'developer', 'user', 'assistant', 'tool'].includes(String(m.role)))
      throw new ApiError(
        400,
        `Invalid value for 'messages[${i}].role'.`,
        'invalid_request_error',
        `messages[${i}].role`,
        'invalid_value',
      );
    const text = contentText(m.content);
    inputChars += text.length;
    if (m.role === 'user') userText += `${text}\n`;
  }
  return {
    model,
    userText,
    inputChars,
    format: checkFormat(body.response_format, {
      nameParam: 'response_format.json_schema.name',
      schemaParam: 'response_format',
    }),
  };
}

/** `POST /v1/responses`: model, input (text or messages), instructions, text.format. */
export function parseResponsesRequest(body: unknown): ParsedRequest {
  if (!isObject(body)) throw new ApiError(400, 'We could not parse the JSON body of your request.');
  const model = requireModel(body);
  let userText = '';
  let inputChars = typeof body.instructions === 'string' ? body.instructions.length : 0;
  if (typeof body.input === 'string') userText = body.input;
  else if (Array.isArray(body.input))
    for (const m of body.input) {
      const text = isObject(m) ? contentText(m.content) : '';
      if (isObject(m) && m.role === 'user') userText += `${text}\n`;
      else inputChars += text.length;
    }
  else
    throw new ApiError(
      400,
      "Missing required parameter: 'input'.",
      'invalid_request_error',
      'input',
      'missing_required_parameter',
    );
  inputChars += userText.length;
  const text = isObject(body.text) ? body.text : {};
  return {
    model,
    userText,
    inputChars,
    format: checkFormat(text.format, { nameParam: 'text.format.name', schemaParam: 'text.format.schema' }),
  };
}
