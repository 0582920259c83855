/** Credentials and addresses the test stacks and the demo share. */
export const ACCOUNT_SID = 'AC0123456789abcdef0123456789abcdef';
export const AUTH_TOKEN = 'stack-auth-token-0123456789abcdef';
/** The URL Twilio is told about; the simulated caller maps it to the local port, like a TLS proxy. */
export const PUBLIC_BASE_URL = 'https://voice.switchboard.test';

export const SERVICE_TOKEN = 'stack-service-token-0123456789';
/** Shared by app-server and voice-server for browser test calls' tokens. */
export const WEB_CALL_SECRET = 'stack-web-call-secret-0123456789';
export const OPERATOR_TOKEN = 'stack-operator-token-0123456789';
export const STAFF = { email: 'agent@acme.example', password: 'correct horse battery staple' };
export const ACME = {
  profileKey: 'acme-support',
  number: '+18005550100',
  sipDomain: 'acme.sip.twilio.com',
  transferTarget: '+18005550199',
  outboundCallerId: '+18005550100',
  greeting: 'Hi, thanks for calling Acme Outfitters. How can I help?',
};
/** Keys voice-server presents to the ElevenLabs and Cartesia simulators. */
export const ELEVENLABS_KEY = 'xi-stack-key-0123456789';
export const CARTESIA_KEY = 'sk_car_stack_0123456789';
/** An ElevenLabs voice id (20 letters and digits), the brand's own voice in the tests and the demo. */
export const BRAND_VOICE_ID = 'AcmeBrandVoice000001';
