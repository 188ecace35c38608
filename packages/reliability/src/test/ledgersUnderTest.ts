import type { Ledger } from '@tx402/core'
import { embeddedLedger, redisPostgresLedger } from '@tx402/ledger'
import type { TestService } from '@tx402/testing/services'
import { databaseUrl, prepareDatabase } from './database.js'

/** The ledger to test on, what it needs running (for describeWithServices), how to get rid of it. */
export type LedgerUnderTest = {
  name: string
  services: readonly TestService[]
  make(): Promise<Ledger & { close(): Promise<void> }>
}

/** What a Redis + PostgreSQL ledger of these tests needs running. */
export const redisPostgresServices: readonly TestService[] = ['postgres', 'redis']

const quiet = { info() {}, warn() {}, error() {} }

/**
 * Both real ledgers, for a suite to run once on each: the embedded one in memory, and Redis +
 * PostgreSQL (the suite's database, prepared on first use) under `keyPrefix`, which the caller
 * makes random so a run never meets another's keys. `embedded` adds options to the first.
 *
 * @example for (const kind of bothLedgers(`tx402credit:${randomBytes(4).toString('hex')}:`)) ...
 */
export function bothLedgers(
  keyPrefix: string,
  embedded: { reconcileEveryMs?: number } = {},
): LedgerUnderTest[] {
  return [
    {
      name: 'the embedded ledger',
      services: [],
      make: async () => embeddedLedger({ dataDir: 'memory://', logger: quiet, ...embedded }),
    },
    {
      name: 'Redis + PostgreSQL',
      services: redisPostgresServices,
      make: () => redisPostgresUnderTest(keyPrefix),
    },
  ]
}

/**
 * A Redis + PostgreSQL ledger on the machine's Redis and the suite's database (prepared first),
 * under `keyPrefix`, logging nothing.
 *
 * @example ledger = await redisPostgresUnderTest(`tx402cache:${randomBytes(4).toString('hex')}:`)
 */
export async function redisPostgresUnderTest(
  keyPrefix: string,
): Promise<Ledger & { close(): Promise<void> }> {
  await prepareDatabase()
  return redisPostgresLedger({
    redis: 'redis://127.0.0.1:6379',
    db: databaseUrl(),
    keyPrefix,
    logger: quiet,
  })
}
