import twilio from 'twilio';

/** X-Twilio-Signature for a request to `url` with form `params` (empty for GET and WebSocket upgrades). */
export function signTwilioRequest(
  authToken: string,
  url: string,
  params: Record<string, string> = {},
): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/** Checks an X-Twilio-Signature the way Twilio specifies (the SDK's validateRequest). */
export function validateTwilioRequest(
  authToken: string,
  signature: string,
  url: string,
  params: Record<string, string> = {},
): boolean {
  try {
    return twilio.validateRequest(authToken, signature, url, params);
  } catch {
    return false;
  }
}
