export type {
  AppServerClient,
  CallbackTicketCreated,
  CallbackTicketInput,
  ConversationEnd,
  ConversationStart,
  HandoffTicketCreated,
  HandoffTicketInput,
  TranscriptMessage,
} from '@switchboard/service-kit/clients/app-server';

import type { AppServerClient } from '@switchboard/service-kit/clients/app-server';

/** An outbox that also carries other requests that must not be lost (see QueuedAppServer). */
export interface DurableTasks {
  enqueueTask(key: string, kind: 'debit' | 'recording', run: () => Promise<unknown>): boolean;
}

export function hasDurableTasks(client: AppServerClient): client is AppServerClient & DurableTasks {
  return typeof (client as Partial<DurableTasks>).enqueueTask === 'function';
}
