export * from './mulaw.ts';
export * from './twilio-media.ts';
export * from './twilio-rest.ts';
export * from './twilio-signature.ts';
export * from './twiml.ts';
export * from './twiml-parse.ts';
export * from './wav.ts';
