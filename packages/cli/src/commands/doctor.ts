import { type Env, enabledChains } from '../chains.js'
import { type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import type { LedgerFlags } from '../ledgerConfig.js'
import { type OutputOptions, print } from '../output.js'
import { withProgress } from '../progress.js'
import { checkChain } from './doctor/checkChain.js'
import { checkLedger } from './doctor/checkLedger.js'
import { checkSecret } from './doctor/checkSecret.js'
import type { DoctorCheck } from './doctor/doctorCheck.js'

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
