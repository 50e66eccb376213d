export * from './consumer-group';
export * from './redis-connections';
export * from './redis-streams.module';
export * from './redis-streams.options';
export * from './stream-producer';
export * from './stream-replies';
