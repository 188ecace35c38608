import { Redis } from 'ioredis'
import type { DoctorCheck } from './doctorCheck.js'

/**
 * `tx402 doctor`'s `redis` check: connects once (2 s timeouts, no retry) and pings.
 *
 * @example const check = await checkRedis('redis://127.0.0.1:6379')
 */
export async function checkRedis(url: string): Promise<DoctorCheck> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  redis.on('error', () => {})
  try {
    await redis.connect()
    const answer = await redis.ping()
    return { name: 'redis', ok: true, detail: `answers (${answer})` }
  } catch (error) {
    return {
      name: 'redis',
      ok: false,
      detail: `does not answer: ${(error as Error).message?.split('\n')[0]}`,
      fix: 'check REDIS_URL, and that Redis runs and accepts this machine',
      failure: 'unreachable',
    }
  } finally {
    redis.disconnect()
  }
}
