import type { LedgerLocation } from '@tx402/ledger'
import { type Env, read } from './chains.js'
import { usageError } from './exitCodes.js'

/** Global flags naming the ledger; each overrides its variable. */
export interface LedgerFlags {
  databaseUrl?: string | undefined
  redisUrl?: string | undefined
  dataDir?: string | undefined
}

/** The ledger a server would use: Redis + PostgreSQL, or the embedded one in a directory. */
export type LedgerConfig =
  | { kind: 'redis-postgres'; databaseUrl: string; redisUrl: string | undefined }
  | { kind: 'embedded'; dataDir: string }

/**
 * Reads the ledger's configuration as a server does: `DATABASE_URL` and `REDIS_URL` for Redis +
 * PostgreSQL, else the embedded ledger in `TX402_DATA_DIR` (default `.tx402-data`); flags win.
 * Redis may be left out where only PostgreSQL is needed (reading rows, migrating).
 *
 * @example const ledger = ledgerConfig({ dataDir: './data' }, process.env)
 */
export function ledgerConfig(flags: LedgerFlags, env: Env): LedgerConfig {
  const databaseUrl = flags.databaseUrl ?? read(env, 'DATABASE_URL')
  const redisUrl = flags.redisUrl ?? read(env, 'REDIS_URL')
  if (databaseUrl) {
    url('--database-url (or DATABASE_URL)', databaseUrl, ['postgres:', 'postgresql:'])
    if (redisUrl) url('--redis-url (or REDIS_URL)', redisUrl, ['redis:', 'rediss:'])
    return { kind: 'redis-postgres', databaseUrl, redisUrl }
  }
  return {
    kind: 'embedded',
    dataDir: flags.dataDir ?? read(env, 'TX402_DATA_DIR') ?? '.tx402-data',
  }
}

/** Where `openLedgerDatabase` finds the rows of this ledger. */
export function ledgerLocation(config: LedgerConfig): LedgerLocation {
  return config.kind === 'embedded'
    ? { dataDir: config.dataDir }
    : { databaseUrl: config.databaseUrl }
}

/** How the ledger is named in output, without credentials. */
export function describeLedger(config: LedgerConfig): string {
  if (config.kind === 'embedded') return `embedded ledger in ${config.dataDir}`
  const { hostname, port, pathname } = new URL(config.databaseUrl)
  return `PostgreSQL ${hostname}:${port || 5432}${pathname}`
}

function url(names: string, value: string, protocols: string[]): void {
  let protocol: string
  try {
    protocol = new URL(value).protocol
  } catch {
    throw usageError(`${names} is not a URL.`)
  }
  if (!protocols.includes(protocol)) {
    throw usageError(`${names} must start with ${protocols.map((p) => `${p}//`).join(' or ')}.`)
  }
}
