import { DynamicModule, FactoryProvider, Module, ModuleMetadata, Provider } from '@nestjs/common';

import { RedisConnections } from './redis-connections';
import { REDIS_STREAMS_OPTIONS, RedisStreamsOptions } from './redis-streams.options';
import { StreamProducer } from './stream-producer';

export interface RedisStreamsAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: (...args: any[]) => RedisStreamsOptions | Promise<RedisStreamsOptions>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const exported = [REDIS_STREAMS_OPTIONS, RedisConnections, StreamProducer];

/**
 * Redis connections and the stream producer for one app. Not global: the API and the worker
 * each import it once in the module that talks to Redis. ConsumerGroup is built by the consumer
 * itself (`new ConsumerGroup(connections, {...})`), one per stream/group/consumer.
 * RedisConnections closes everything in onModuleDestroy, so call `app.enableShutdownHooks()`.
 */
@Module({})
export class RedisStreamsModule {
  static forRoot(options: RedisStreamsOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: REDIS_STREAMS_OPTIONS, useValue: options },
      RedisConnections,
      StreamProducer,
    ];
    return { module: RedisStreamsModule, global: false, providers, exports: exported };
  }

  static forRootAsync(options: RedisStreamsAsyncOptions): DynamicModule {
    const providers: Provider[] = [
      { provide: REDIS_STREAMS_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
      RedisConnections,
      StreamProducer,
    ];
    return { module: RedisStreamsModule, global: false, imports: options.imports ?? [], providers, exports: exported };
  }
}
