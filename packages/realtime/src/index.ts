export * from './api-values.ts';
export * from './async-queue.ts';
export * from './event-guards.ts';
export * from './openai-connection.ts';
export * from './session-config.ts';
export * from './types.ts';
