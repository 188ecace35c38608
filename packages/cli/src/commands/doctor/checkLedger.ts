import { migrationStatus, openLedgerDatabase } from '@tx402/ledger'
import type { Env } from '../../chains.js'
import { describeFailure } from '../../exitCodes.js'
import {
  describeLedger,
  type LedgerFlags,
  ledgerConfig,
  ledgerLocation,
} from '../../ledgerConfig.js'
import { checkRedis } from './checkRedis.js'
import type { DoctorCheck } from './doctorCheck.js'

/**
 * `tx402 doctor`'s checks of the ledger the flags and environment configure: `redis` (for the
 * Redis + PostgreSQL ledger) and `ledger` (reachable and migrated; an embedded ledger open in a
 * running API is healthy). Never throws: a failure is a failed check.
 *
 * @example const checks = await checkLedger({}, process.env)
 */
export async function checkLedger(flags: LedgerFlags, env: Env): Promise<DoctorCheck[]> {
  let config: ReturnType<typeof ledgerConfig>
  try {
    config = ledgerConfig(flags, env)
  } catch (error) {
    return [
      {
        name: 'ledger',
        ok: false,
        detail: describeFailure(error).message,
        failure: 'configuration',
      },
    ]
  }
  const where = describeLedger(config)
  const checks: DoctorCheck[] = []
  if (config.kind === 'redis-postgres') {
    checks.push(
      config.redisUrl
        ? await checkRedis(config.redisUrl)
        : {
            name: 'redis',
            ok: false,
            detail: 'DATABASE_URL is set without REDIS_URL',
            fix: 'set REDIS_URL too: the Redis + PostgreSQL ledger needs both',
            failure: 'configuration',
          },
    )
  }
  let ledger: Awaited<ReturnType<typeof openLedgerDatabase>>
  try {
    ledger = await openLedgerDatabase(ledgerLocation(config))
  } catch (error) {
    const message = describeFailure(error).message
    if (config.kind === 'embedded' && /in use by process/.test(message)) {
      // The API holds its embedded ledger while it runs: that is the healthy state.
      return [
        ...checks,
        { name: 'ledger', ok: true, detail: `${where}: open in a running process (${message})` },
      ]
    }
    return [
      ...checks,
      {
        name: 'ledger',
        ok: false,
        detail: `${where}: ${message}`,
        fix:
          config.kind === 'embedded'
            ? 'set TX402_DATA_DIR to the directory the API uses, or run `tx402 migrate` to create it'
            : 'check DATABASE_URL, and that PostgreSQL runs and accepts this machine',
        failure: 'unreachable',
      },
    ]
  }
  try {
    const { applied, pending } = await migrationStatus(ledger.db)
    checks.push(
      pending.length === 0
        ? {
            name: 'ledger',
            ok: true,
            detail: `${where}: reachable, migrated (${applied.length} migrations)`,
          }
        : {
            name: 'ledger',
            ok: false,
            detail: `${where}: reachable, ${pending.length} migrations pending (${pending.join(', ')})`,
            fix: 'run `tx402 migrate`',
            failure: 'negative',
          },
    )
  } finally {
    await ledger.close()
  }
  return checks
}
