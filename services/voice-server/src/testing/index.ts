export * from './in-memory-transport.ts';
