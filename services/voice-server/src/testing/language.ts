// Shared by the language tests: a profile serving English and Spanish, a caller turn, a tool call.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import type { CallProfile } from '../ports/ai-server.ts';
import { responseDone } from './session-harness.ts';

export * from './session-harness.ts';

export const BILINGUAL: Partial<CallProfile> = {
  language: 'en',
  languages: [
    { tag: 'en', greeting: 'Hi, thanks for calling Acme.' },
    {
      tag: 'es',
      greeting: 'Hola, gracias por llamar a Acme.',
      lines: { goodbye: 'Gracias por llamar. ¡Adiós!' },
      instructions: 'Trate al cliente de usted.',
    },
  ],
};

export const SPANISH = 'Hola, quería saber el estado de mi pedido, por favor';

export function callerSays(rt: ScriptedRealtimeConnection, itemId: string, text: string): void {
  rt.emit({ type: 'input_audio_buffer.committed', event_id: `c_${itemId}`, item_id: itemId } as never);
  rt.emit({
    type: 'conversation.item.input_audio_transcription.completed',
    event_id: `t_${itemId}`,
    item_id: itemId,
    content_index: 0,
    transcript: text,
  } as never);
}

export function callTool(
  rt: ScriptedRealtimeConnection,
  responseId: string,
  callId: string,
  name: string,
  args: string,
) {
  rt.emit({
    type: 'response.created',
    event_id: 'e',
    response: { id: responseId, object: 'realtime.response', status: 'in_progress', output: [] },
  });
  rt.emit({
    type: 'response.output_item.done',
    event_id: 'e',
    response_id: responseId,
    output_index: 0,
    item: { id: `it_${callId}`, type: 'function_call', call_id: callId, name, arguments: args },
  });
  responseDone(rt, responseId);
}
