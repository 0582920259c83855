export * from './migrations.ts';
export * from './open-database.ts';
export * from './sql.ts';
