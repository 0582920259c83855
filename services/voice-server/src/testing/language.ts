// Shared by the language tests: a profile serving English and Spanish, a caller turn, a tool call.
import type { ScriptedRealtimeConnection } from '@switchboard/realtime/testing';
import type { CallProfile } from '../ports/ai-server.ts';

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
