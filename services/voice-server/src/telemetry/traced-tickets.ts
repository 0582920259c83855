import type { AppServerClient, CallbackTicketInput, HandoffTicketInput } from '../ports/app-server.ts';

/**
 * The call's app-server client as its tools see it: every hand-off and callback ticket carries the
 * call's trace id (unless one was given), so staff open the trace from the ticket. Without a trace
 * (tracing off) it is the client itself.
 */
export function withTraceOnTickets(client: AppServerClient, traceId: string | undefined): AppServerClient {
  if (!traceId) return client;
  const traced = <T extends HandoffTicketInput | CallbackTicketInput>(input: T): T =>
    input.opikTraceId ? input : { ...input, opikTraceId: traceId };
  return {
    startConversation: (start) => client.startConversation(start),
    appendMessages: (callSid, messages) => client.appendMessages(callSid, messages),
    endConversation: (callSid, end) => client.endConversation(callSid, end),
    createHandoffTicket: (callSid, input) => client.createHandoffTicket(callSid, traced(input)),
    createCallbackTicket: (callSid, input) => client.createCallbackTicket(callSid, traced(input)),
  };
}
