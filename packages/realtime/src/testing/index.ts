// Test doubles for the Realtime port; no production module imports this entry point.
export * from './scripted-connection.ts';
