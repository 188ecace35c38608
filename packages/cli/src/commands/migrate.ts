import { migrate, openLedgerDatabase } from '@tx402/ledger'
import type { Env } from '../chains.js'
import { type ExitCode, exitCodes } from '../exitCodes.js'
import { describeLedger, type LedgerFlags, ledgerConfig, ledgerLocation } from '../ledgerConfig.js'
import { type OutputOptions, print } from '../output.js'
import { withProgress } from '../progress.js'

/**
 * `tx402 migrate`: brings the ledger's tables up to date with `migrate()` of `@tx402/ledger`
 * (the code an API runs at startup); idempotent. An embedded ledger's directory is created if
 * missing.
 */
export async function migrateCommand(
  flags: LedgerFlags & OutputOptions,
  env: Env,
): Promise<ExitCode> {
  const config = ledgerConfig(flags, env)
  const where = describeLedger(config)
  const ran = await withProgress(`migrating the ${where}`, async () => {
    const ledger = await openLedgerDatabase(ledgerLocation(config), { create: true })
    try {
      return await migrate(ledger.db)
    } finally {
      await ledger.close()
    }
  })
  print(flags, { ledger: where, ran }, () =>
    ran.length ? `${where}: ran ${ran.join(', ')}` : `${where}: up to date, nothing to run`,
  )
  return exitCodes.ok
}
