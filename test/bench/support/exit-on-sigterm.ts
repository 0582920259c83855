// Preloaded into a relay being profiled: SIGTERM becomes a normal exit, so V8 writes the CPU profile.
process.on('SIGTERM', () => process.exit(0));
