/** Response schemas of the dynamic tool routes. */
import {
  answer,
  anyJson,
  arr,
  bool,
  dateTime,
  int,
  nullable,
  obj,
  openObject,
  str,
} from '@switchboard/service-kit';
import { realtimeToolSchema } from '../prompts/prompt-responses.ts';

/** The admin view of a tool: the secret's value never leaves the server (`hasSecret` says if set). */
const toolSchema = obj({
  name: str,
  description: str,
  parameters: openObject,
  endpointUrl: str,
  timeoutMs: int,
  secretHeaderName: nullable(str),
  hasSecret: bool,
  enabled: bool,
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const toolListResponse = answer("The profile's tools", obj({ tools: arr(toolSchema) }));
export const toolResponse = answer('The tool', toolSchema);
export const realtimeToolsResponse = answer(
  'Enabled tools as Realtime function schemas, each with its time budget',
  obj({ tools: arr(realtimeToolSchema) }),
);

/** `ExecuteToolResult`: the endpoint's JSON answer, or why the call failed. */
export const executeToolResponse = answer('The tool ran (`ok`) or failed (`error`); either way a 200', {
  anyOf: [
    obj({ ok: { type: 'boolean', enum: [true] }, result: anyJson, status: int, durationMs: int }),
    obj({
      ok: { type: 'boolean', enum: [false] },
      error: obj({ code: str, message: str, status: int }, ['status']),
      durationMs: int,
    }),
  ],
});
