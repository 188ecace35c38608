import { Connection } from '@solana/web3.js'
import { BaseError } from '@tx402/core'
import { migrationStatus, openLedgerDatabase } from '@tx402/ledger'
import { Redis } from 'ioredis'
import { createPublicClient, http } from 'viem'
import {
  type ChainName,
  type ConfiguredChain,
  configureChain,
  type Env,
  enabledChains,
  read,
} from '../chains.js'
import { describeFailure, type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import { describeLedger, type LedgerFlags, ledgerConfig, ledgerLocation } from '../ledgerConfig.js'
import { type OutputOptions, print } from '../output.js'
import { withProgress } from '../progress.js'
import { secretBytes } from './secret.js'

/** One line of `tx402 doctor`. */
export interface DoctorCheck {
  /** `rpc base`, `clock base`, `ledger`, `redis`, `secret`, `chains`. */
  name: string
  ok: boolean
  /** What was found. */
  detail: string
  /** What to do, when it failed. */
  fix?: string
  /** Why it failed: a dependency that does not answer (or serves another network) exits 3, a configuration 2, anything else 1. */
  failure?: 'unreachable' | 'configuration' | 'negative'
}

/** Flags of `tx402 doctor`. */
export interface DoctorFlags extends LedgerFlags, OutputOptions {
  /** Seconds this machine's clock and a chain's latest block may differ. Default 60. */
  skew?: string
}

/**
 * `tx402 doctor`: checks a deployment's configuration as a server reads it: each chain's RPC
 * answers and serves the configured network, its latest block's time agrees with this machine's
 * clock within the skew, the ledger is reachable and migrated, Redis answers, the secret is long
 * enough. One line per check, with what to do when it fails. Exits 3 when a dependency does not
 * answer or serves another network, else 2 for a configuration error, 1 for any other failure.
 */
export async function doctorCommand(flags: DoctorFlags, env: Env): Promise<ExitCode> {
  const skew = flags.skew === undefined ? 60 : Number(flags.skew)
  if (!(Number.isInteger(skew) && skew >= 0)) {
    throw usageError(`--skew must be a whole number of seconds, got "${flags.skew}".`)
  }
  const checks = await withProgress('checking the deployment', async () => {
    const chains = enabledChains(env)
    const results: Array<Promise<DoctorCheck[]>> = chains.map((name) => checkChain(name, env, skew))
    if (chains.length === 0) {
      results.push(
        Promise.resolve([
          {
            name: 'chains',
            ok: false,
            detail: 'no chain is configured',
            fix: 'set BASE_RPC_URL, AVALANCHE_RPC_URL or SOLANA_RPC_URL (with <CHAIN>_PAY_TO)',
            failure: 'configuration',
          },
        ]),
      )
    }
    results.push(checkLedger(flags, env), Promise.resolve([checkSecret(env)]))
    return (await Promise.all(results)).flat()
  })
  const failed = checks.filter((check) => !check.ok)
  print(flags, { ok: failed.length === 0, checks }, () =>
    checks
      .map((check) =>
        check.ok
          ? `ok    ${check.name}: ${check.detail}`
          : `FAIL  ${check.name}: ${check.detail}${check.fix ? ` → ${check.fix}` : ''}`,
      )
      .join('\n'),
  )
  if (failed.some((check) => check.failure === 'unreachable')) return exitCodes.unreachable
  if (failed.some((check) => check.failure === 'configuration')) return exitCodes.usage
  return failed.length ? exitCodes.negative : exitCodes.ok
}

async function checkChain(name: ChainName, env: Env, skew: number): Promise<DoctorCheck[]> {
  const variable = `${name.toUpperCase()}_RPC_URL`
  let chain: ConfiguredChain
  try {
    chain = configureChain(name, {}, env)
  } catch (error) {
    return [
      {
        name: `rpc ${name}`,
        ok: false,
        detail: describeFailure(error).message,
        fix: `fix the ${name.toUpperCase()}_* variables (README, "The demo API's configuration")`,
        failure: 'configuration',
      },
    ]
  }
  const { plugin } = chain
  try {
    await plugin.ready?.()
  } catch (error) {
    return [
      {
        name: `rpc ${name}`,
        ok: false,
        detail: describeFailure(error).message,
        fix: `point ${variable} at a node of ${plugin.network} that answers from this machine`,
        failure: 'unreachable',
      },
    ]
  } finally {
    await plugin.close?.()
  }
  const rpc: DoctorCheck = {
    name: `rpc ${name}`,
    ok: true,
    detail: `answers and serves ${plugin.network}`,
  }
  let blockTime: number
  try {
    blockTime = await latestBlockTime(chain)
  } catch (error) {
    return [
      rpc,
      {
        name: `clock ${name}`,
        ok: false,
        detail: `the latest block's time could not be read: ${error instanceof BaseError ? error.shortMessage : (error as Error).message?.split('\n')[0]}`,
        fix: `check that ${variable} serves blocks (eth_getBlockByNumber / getBlockTime)`,
        failure: 'unreachable',
      },
    ]
  }
  const drift = Math.round(blockTime - Date.now() / 1000)
  const clock: DoctorCheck =
    Math.abs(drift) <= skew
      ? {
          name: `clock ${name}`,
          ok: true,
          detail: `latest block ${describeDrift(drift)}, within ${skew} s`,
        }
      : {
          name: `clock ${name}`,
          ok: false,
          detail: `latest block ${describeDrift(drift)}, beyond ${skew} s`,
          fix:
            drift < 0
              ? `sync this machine's clock (NTP), or use an RPC that is not behind on ${name}`
              : "sync this machine's clock (NTP): it is behind the chain",
          failure: 'negative',
        }
  return [rpc, clock]
}

async function latestBlockTime(chain: ConfiguredChain): Promise<number> {
  if (chain.family === 'evm') {
    const client = createPublicClient({
      transport: http(chain.rpcUrl, { retryCount: 0, timeout: 5_000 }),
    })
    return Number((await client.getBlock({ blockTag: 'latest' })).timestamp)
  }
  const connection = new Connection(chain.rpcUrl, 'confirmed')
  const time = await connection.getBlockTime(await connection.getSlot('confirmed'))
  if (time === null) throw new Error('the RPC has no time for its latest slot')
  return time
}

function describeDrift(seconds: number): string {
  if (seconds === 0) return 'agrees with this clock'
  return `${Math.abs(seconds)} s ${seconds < 0 ? 'behind' : 'ahead of'} this clock`
}

async function checkLedger(flags: LedgerFlags, env: Env): Promise<DoctorCheck[]> {
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

async function checkRedis(url: string): Promise<DoctorCheck> {
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

function checkSecret(env: Env): DoctorCheck {
  const secret = read(env, 'TX402_SECRET')
  if (secret === undefined) {
    return {
      name: 'secret',
      ok: false,
      detail:
        'TX402_SECRET is not set (the API would sign challenges with a random secret per start)',
      fix: 'set TX402_SECRET to the output of `tx402 secret`, the same on every API process',
      failure: 'configuration',
    }
  }
  const bytes = new TextEncoder().encode(secret).length
  return bytes >= secretBytes
    ? { name: 'secret', ok: true, detail: `${bytes} bytes` }
    : {
        name: 'secret',
        ok: false,
        detail: `${bytes} bytes, fewer than ${secretBytes}`,
        fix: 'set TX402_SECRET to the output of `tx402 secret`',
        failure: 'configuration',
      }
}
