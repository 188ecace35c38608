import { migrate, openLedgerDatabase } from '@tx402/ledger'
import { type Env, read } from '../chains.js'
import { type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import { describeLedger, type LedgerFlags, ledgerConfig, ledgerLocation } from '../ledgerConfig.js'
import { type OutputOptions, print } from '../output.js'
import { withProgress } from '../progress.js'

/**
 * `tx402 migrate`: brings the ledger's tables up to date with `migrate()` of `@tx402/ledger`
 * (the code an API runs at startup); idempotent. It runs only on a ledger named by
 * `--database-url` (or `DATABASE_URL`) or `--data-dir` (or `TX402_DATA_DIR`): never on the
 * default directory of the working directory, which would create and migrate a ledger no server
 * reads and answer success. A named embedded ledger's directory is created if missing.
 *
 * @throws CliError exit 2 when no ledger is named.
 */
export async function migrateCommand(
  flags: LedgerFlags & OutputOptions,
  env: Env,
): Promise<ExitCode> {
  if (
    !flags.databaseUrl &&
    !read(env, 'DATABASE_URL') &&
    !flags.dataDir &&
    !read(env, 'TX402_DATA_DIR')
  ) {
    throw usageError(
      'tx402 migrate needs the ledger to migrate: --database-url <postgres://…> (or DATABASE_URL) for Redis + PostgreSQL, or --data-dir <dir> (or TX402_DATA_DIR) for the embedded ledger.',
    )
  }
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
