export * from './app.ts';
export * from './config.ts';
export * from './metrics.ts';
export type * from './ports/ai-server.ts';
export * from './ports/app-server.ts';
export type * from './ports/call-transport.ts';
export type * from './ports/twilio-rest.ts';
export * from './ports/twilio-rest-sdk.ts';
export * from './session/session-manager.ts';
