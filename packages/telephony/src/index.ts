export * from './mulaw.ts';
