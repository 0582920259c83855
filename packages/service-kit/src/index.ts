export * from './app.ts';
export * from './auth.ts';
export * from './config.ts';
export * from './errors.ts';
export * from './http-client.ts';
export * from './logger.ts';
