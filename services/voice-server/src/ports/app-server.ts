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
