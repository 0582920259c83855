/**
 * The outcome of an outbound call: the model's `record_call_outcome` arguments, validated against the
 * schema the brand gave, stored on the call. A refusal goes back to the model as a tool error that
 * names the field, so it can ask again and retry.
 */
import type { ExecuteToolResult } from '@switchboard/service-kit/clients/ai-server';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { AppContext } from '../context.ts';
import { describeAjvError } from '../tools/tool-executor.ts';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: false, strict: false, coerceTypes: false }));
/** Compiled schemas by outbound call id (a call's schema never changes); bounded. */
const validators = new Map<string, ValidateFunction>();
const MAX_VALIDATORS = 500;
/** Largest outcome stored, as JSON text. */
export const MAX_OUTCOME_CHARS = 20_000;

function validatorFor(id: string, schema: object): ValidateFunction {
  let v = validators.get(id);
  if (!v) {
    v = ajv.compile(schema);
    if (validators.size >= MAX_VALIDATORS) validators.delete(validators.keys().next().value!);
    validators.set(id, v);
  }
  return v;
}

function refusal(message: string, started: number): ExecuteToolResult {
  return { ok: false, error: { code: 'INVALID_ARGUMENTS', message }, durationMs: Date.now() - started };
}

/** Runs `record_call_outcome` for the call `callSid`. */
export async function recordOutcome(
  ctx: AppContext,
  callSid: string,
  args: string | Record<string, unknown>,
): Promise<ExecuteToolResult> {
  const started = Date.now();
  const call = await ctx.prisma.outboundCall.findUnique({ where: { callSid } });
  if (!call?.outcomeSchema)
    return {
      ok: false,
      error: { code: 'UNKNOWN_TOOL', message: 'this call has no outcome to record' },
      durationMs: 0,
    };
  let value: unknown = args;
  if (typeof args === 'string') {
    if (args.length > MAX_OUTCOME_CHARS)
      return refusal(`arguments are over ${MAX_OUTCOME_CHARS} characters`, started);
    try {
      value = JSON.parse(args);
    } catch {
      return refusal('arguments are not valid JSON', started);
    }
  } else if (JSON.stringify(args).length > MAX_OUTCOME_CHARS) {
    return refusal(`arguments are over ${MAX_OUTCOME_CHARS} characters`, started);
  }
  const validate = validatorFor(call.id, call.outcomeSchema as object);
  if (!validate(value))
    return refusal(`${describeAjvError(validate.errors?.[0])}; ask for it and call again`, started);
  await ctx.prisma.outboundCall.update({
    where: { id: call.id },
    data: { outcome: value as Prisma.InputJsonValue, outcomeAt: new Date() },
  });
  return { ok: true, result: { recorded: true }, status: 200, durationMs: Date.now() - started };
}
