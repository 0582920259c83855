import type { CallInfo } from '../session/session-manager.ts';

/** A call's facts with short IDs, for unit tests that assert keys built from them (`handoff:CA1`). */
export const SHORT_CALL: CallInfo = {
  streamSid: 'MZ1',
  callSid: 'CA1',
  accountSid: 'AC1',
  botProfileKey: 'acme',
  isSip: false,
  callerNumber: '+14155550123',
};
