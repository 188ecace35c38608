import { Command, Option } from 'commander'
import type { Env } from './chains.js'
import type { DoctorFlags } from './commands/doctor.js'
import type { LedgerCommandFlags, LedgerListFlags, LedgerStatsFlags } from './commands/ledger.js'
import type { ReconcileFlags } from './commands/reconcile.js'
import type { VerifyFlags } from './commands/verify.js'
import type { ExitCode } from './exitCodes.js'
import type { OutputOptions } from './output.js'

/**
 * The `tx402` command line (commander): every command takes `--json` and the ledger flags, and
 * resolves to the exit code it wants (README, "Operating tx402").
 *
 * @example await createProgram(process.env, (code) => { process.exitCode = code }).parseAsync(process.argv)
 */
export function createProgram(env: Env, exit: (code: ExitCode) => void): Command {
  const program = new Command('tx402')
    .description('Check payments, inspect and repair the ledger, diagnose a tx402 deployment.')
    .option('--json', 'print one JSON document on stdout, for scripts')
    .option('--database-url <url>', 'PostgreSQL of the Redis + PostgreSQL ledger (DATABASE_URL)')
    .option('--redis-url <url>', 'Redis of the Redis + PostgreSQL ledger (REDIS_URL)')
    .option('--data-dir <dir>', "the embedded ledger's directory (TX402_DATA_DIR)")
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
  // Each action gets its flags merged with the global ones (typed by the command), and its
  // positional arguments. Commands load their modules when run: viem, web3.js and PGlite take
  // seconds to load, and `tx402 secret` or a usage error needs none of them.
  const run =
    (action: (flags: never, args: string[]) => Promise<ExitCode> | ExitCode) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command
      exit(await action(command.optsWithGlobals() as never, args.slice(0, -2) as string[]))
    }

  program
    .command('verify')
    .description(
      'what the server would answer for a transaction, from the chain (no ledger unless --ledger)',
    )
    .addOption(new Option('--chain <name>', 'base, avalanche or solana').makeOptionMandatory())
    .requiredOption('--tx <hash>', 'the transaction hash (EVM) or signature (Solana)')
    .requiredOption('--price <decimal>', "the route's price in the asset, e.g. 0.01")
    .option('--rpc <url>', 'the chain RPC (<CHAIN>_RPC_URL)')
    .option('--pay-to <address>', 'the receiving wallet (<CHAIN>_PAY_TO)')
    .option(
      '--asset <symbol>',
      "the asset the price is in (default: the --token's own symbol, else USDC)",
    )
    .option('--token <address>', 'the token contract or mint (<CHAIN>_TOKEN, SOLANA_MINT)')
    .option(
      '--decimals <n>',
      "the token's decimals (<CHAIN>_TOKEN_DECIMALS; default: read from the chain)",
    )
    .option('--network <caip2>', 'the CAIP-2 network (<CHAIN>_CHAIN_ID, SOLANA_NETWORK)')
    .option('--confirmations <n>', 'confirmations required (<CHAIN>_CONFIRMATIONS)')
    .option('--proof <signature>', "the payer's x-payment-proof")
    .option('--challenge <id>', 'the x-payment-challenge the payer answered (needs TX402_SECRET)')
    .option('--resource <route>', 'the route a challenge was issued for, e.g. "GET /api/weather"')
    .option(
      '--clock-skew <seconds>',
      "the server's clockSkewSeconds, if it sets one (default: the engine's default)",
    )
    .option('--ledger', 'also ask the ledger whether it has consumed the transaction')
    .action(
      run(async (flags: VerifyFlags) =>
        (await import('./commands/verify.js')).verifyCommand(flags, env),
      ),
    )

  const ledger = program.command('ledger').description("read the ledger's payments")
  ledger
    .command('list')
    .description('the newest payments, filtered')
    .option('--chain <name>', 'a chain name or CAIP-2 network')
    .option('--status <status>', 'claimed or consumed')
    .option('--since <when>', 'a date (2026-11-29) or a duration back (24h, 7d)')
    .option('--payer <address>', 'one payer')
    .option('--limit <n>', 'at most this many rows', '50')
    .action(
      run(async (flags: LedgerListFlags) => (await ledgerCommands()).ledgerListCommand(flags, env)),
    )
  ledger
    .command('show')
    .description('every ledger row of one transaction')
    .argument('<chain>', 'a chain name or CAIP-2 network')
    .argument('<tx>', 'the transaction hash or signature')
    .action(
      run(async (flags: LedgerCommandFlags, [chain, tx]) =>
        (await ledgerCommands()).ledgerShowCommand(chain!, tx!, flags, env),
      ),
    )
  ledger
    .command('stats')
    .description('counts and sums of served payments')
    .option('--since <when>', 'a date or a duration back (24h, 7d)')
    .addOption(
      new Option('--by <grouping>', 'group by')
        .choices(['day', 'chain', 'asset', 'route'])
        .default('day'),
    )
    .action(
      run(async (flags: LedgerStatsFlags) =>
        (await ledgerCommands()).ledgerStatsCommand(flags, env),
      ),
    )

  program
    .command('reconcile')
    .description('release the claims left by processes that died (--dry-run: only say which)')
    .option('--dry-run', 'read and report, change nothing')
    .action(
      run(async (flags: ReconcileFlags) =>
        (await import('./commands/reconcile.js')).reconcileCommand(flags, env),
      ),
    )

  program
    .command('migrate')
    .description(
      "run the ledger's migrations (idempotent) on the ledger named by --database-url or --data-dir",
    )
    .action(
      run(async (flags: LedgerCommandFlags) =>
        (await import('./commands/migrate.js')).migrateCommand(flags, env),
      ),
    )

  program
    .command('doctor')
    .description("check a deployment's configuration end to end")
    .option('--skew <seconds>', "how far a chain's latest block and this clock may differ", '60')
    .action(
      run(async (flags: DoctorFlags) =>
        (await import('./commands/doctor.js')).doctorCommand(flags, env),
      ),
    )

  program
    .command('secret')
    .description('print a fresh secret for TX402_SECRET')
    .action(
      run(async (flags: OutputOptions) =>
        (await import('./commands/secret.js')).secretCommand(flags),
      ),
    )

  // Subcommands report unknown options and bad arguments like the root.
  for (const command of [program, ...program.commands, ...ledger.commands]) {
    command.exitOverride().showHelpAfterError('(run with --help for usage)')
  }
  return program
}

const ledgerCommands = () => import('./commands/ledger.js')
