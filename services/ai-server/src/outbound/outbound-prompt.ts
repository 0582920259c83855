/**
 * What an outbound call adds to the agent: its task and context in the instructions, an opening that
 * states why it calls (not the inbound greeting), and the tool the model records the outcome with.
 */
import type {
  OutboundCallSetup,
  RealtimeFunctionToolSchema,
} from '@switchboard/service-kit/clients/ai-server';

/** The tool the model calls with the outcome the brand asked for. */
export const OUTCOME_TOOL_NAME = 'record_call_outcome';

/** What the prompt needs of an outbound call. */
export interface OutboundPromptInput {
  id: string;
  task: string;
  context: Record<string, unknown>;
  outcomeSchema: Record<string, unknown> | null;
}

/** The section appended to the profile's system prompt. */
export function outboundInstructions(call: OutboundPromptInput): string {
  const lines = [
    '',
    '# This call',
    'You placed this call; the person who answers did not call you. Your task on this call:',
    call.task,
  ];
  const entries = Object.entries(call.context);
  if (entries.length) {
    lines.push('', 'What you know for this task:');
    for (const [k, v] of entries) lines.push(`- ${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  if (call.outcomeSchema)
    lines.push(
      '',
      `Once you have what the task asks for (or know you cannot get it), call ${OUTCOME_TOOL_NAME} with it, then thank them and end the call.`,
    );
  return lines.join('\n');
}

/** The session additions voice-server applies for this call. */
export function outboundSetup(call: OutboundPromptInput): OutboundCallSetup {
  const tools: RealtimeFunctionToolSchema[] = call.outcomeSchema
    ? [
        {
          type: 'function',
          name: OUTCOME_TOOL_NAME,
          description:
            "Record the outcome of this call's task, in the fields given. Call it once you have the answer; a refused call explains what to fix.",
          parameters: call.outcomeSchema,
        },
      ]
    : [];
  return {
    outboundCallId: call.id,
    opening:
      'The person you called has just answered. Introduce yourself briefly and say why you are calling, as your task says.',
    tools,
  };
}
