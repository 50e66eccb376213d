import { Global, Module } from '@nestjs/common';

import { RedisStreamsModule } from '@app/redis-streams';

import { AppConfig } from '../config/app-config';

/**
 * The API's Redis: one fail-fast command connection (RedisStreamsModule's default), used by the
 * outbox relay to XADD jobs and by the health check to PING. Exports RedisConnections and
 * StreamProducer to every module.
 */
@Global()
@Module({
  imports: [
    RedisStreamsModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ url: config.redisUrl, connectionName: 'linbo-api' }),
    }),
  ],
  exports: [RedisStreamsModule],
})
export class RedisModule {}
