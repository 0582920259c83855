export * from './fakes.ts';
export * from './in-memory-transport.ts';
