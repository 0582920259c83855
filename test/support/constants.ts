/** Credentials and addresses the test stacks and the demo share. */
export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'stack-auth-token-0123456789abcdef';
/** The URL Twilio is told about; the simulated caller maps it to the local port, like a TLS proxy. */
export const PUBLIC_BASE_URL = 'https://voice.switchboard.test';
