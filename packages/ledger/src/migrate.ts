import { type Kysely, type Migration, Migrator, sql } from 'kysely'
import { connectPostgres, type PostgresInput } from './connectPostgres.js'
import { creditMigration } from './creditMigration.js'
import { LedgerMigrationError } from './errors.js'
import { inMigrationTransaction } from './migrationTransaction.js'
import { paymentFunctionsMigration } from './paymentFunctions.js'
import { paymentsTable } from './schema.js'

// Versioned, in code: a migration, once released, is never edited; changes are new entries.
const migrations = {
  '0001_create_payments': {
    async up(db) {
      await db.schema
        .createTable(paymentsTable)
        .addColumn('network', 'text', (c) => c.notNull())
        .addColumn('tx_id', 'text', (c) => c.notNull())
        .addColumn('chain', 'text', (c) => c.notNull())
        .addColumn('payer', 'text', (c) => c.notNull())
        .addColumn('pay_to', 'text', (c) => c.notNull())
        .addColumn('asset', 'text', (c) => c.notNull())
        .addColumn('amount', sql`numeric(78, 0)`, (c) => c.notNull().check(sql`amount >= 0`))
        .addColumn('resource', 'text', (c) => c.notNull())
        .addColumn('challenge_id', 'text')
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('claimed', 'consumed')`),
        )
        .addColumn('lease_token', 'text')
        .addColumn('claim_expires_at', 'timestamptz')
        .addColumn('remaining_credit', sql`numeric(78, 0)`, (c) =>
          c.check(sql`remaining_credit >= 0`),
        )
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('consumed_at', 'timestamptz')
        .addPrimaryKeyConstraint(`${paymentsTable}_pkey`, ['network', 'tx_id'])
        // A claim always names its lease and when it lapses; a consumed row has its time.
        .addCheckConstraint(
          `${paymentsTable}_state_check`,
          sql`(status = 'claimed' and lease_token is not null and claim_expires_at is not null)
            or (status = 'consumed' and consumed_at is not null)`,
        )
        .execute()
    },
    async down(db) {
      await db.schema.dropTable(paymentsTable).execute()
    },
  },
  // Re-delivery of a lost paid response: what a non-safe request answered, kept at its commit;
  // and an index for `reconcile`, which looks for lapsed claims.
  '0002_keep_responses': {
    async up(db) {
      await db.schema
        .alterTable(paymentsTable)
        .addColumn('response_status', 'integer')
        .addColumn('response_headers', 'text')
        .addColumn('response_body', 'bytea')
        .execute()
      await db.schema
        .createIndex(`${paymentsTable}_lapsing_claims`)
        .on(paymentsTable)
        .column('claim_expires_at')
        .where(sql.ref('status'), '=', 'claimed')
        .execute()
    },
    async down(db) {
      await db.schema.dropIndex(`${paymentsTable}_lapsing_claims`).execute()
      await db.schema
        .alterTable(paymentsTable)
        .dropColumn('response_status')
        .dropColumn('response_headers')
        .dropColumn('response_body')
        .execute()
    },
  },
  // A payment is one payer's transfer to one payee: two payers in one transaction (a batch, an
  // ERC-4337 bundle), or one transaction paying two payees, are separate payments. Existing rows
  // already hold their payee and payer, so they keep their meaning under the wider key.
  '0003_key_payments_by_payee_and_payer': {
    async up(db) {
      await db.schema.alterTable(paymentsTable).dropConstraint(`${paymentsTable}_pkey`).execute()
      await db.schema
        .alterTable(paymentsTable)
        .addPrimaryKeyConstraint(`${paymentsTable}_pkey`, ['network', 'tx_id', 'pay_to', 'payer'])
        .execute()
    },
    async down(db) {
      // Only possible while no transaction holds two payments.
      await db.schema.alterTable(paymentsTable).dropConstraint(`${paymentsTable}_pkey`).execute()
      await db.schema
        .alterTable(paymentsTable)
        .addPrimaryKeyConstraint(`${paymentsTable}_pkey`, ['network', 'tx_id'])
        .execute()
    },
  },
  // Prepaid credit (docs/protocol.md section 7): balances, their spends, and the grant a payment
  // carries from its mark to its commit.
  '0004_credit_balances': creditMigration,
  // A spend of a balance whose purchase is still being committed is told to wait, not refused:
  // the reserve's refusal path looks the pending grant up by balance id.
  '0005_pending_credit_grants': {
    async up(db) {
      await db.schema
        .createIndex(`${paymentsTable}_pending_credit`)
        .on(paymentsTable)
        .column('credit_balance_id')
        .where(sql.ref('credit_balance_id'), 'is not', null)
        .execute()
    },
    async down(db) {
      await db.schema.dropIndex(`${paymentsTable}_pending_credit`).execute()
    },
  },
  // The claim and the commit as functions, planned once per connection (paymentFunctions.ts).
  '0006_payment_functions': paymentFunctionsMigration,
  // Re-delivery is bounded per payment (docs/protocol.md 6.2): each one is counted on the
  // consumed row by one conditional update, so processes sharing the ledger never exceed it.
  // Only adds a column with a default, which older versions never read.
  '0007_count_redeliveries': {
    async up(db) {
      await db.schema
        .alterTable(paymentsTable)
        .addColumn('redeliveries', 'integer', (c) =>
          c.notNull().defaultTo(0).check(sql`redeliveries >= 0`),
        )
        .execute()
    },
    async down(db) {
      await db.schema.alterTable(paymentsTable).dropColumn('redeliveries').execute()
    },
  },
} satisfies Record<string, Migration>

/**
 * Brings the ledger's tables up to date with versioned Kysely migrations. Safe to run at every
 * startup and from several processes at once; runs nothing when up to date. Migration state lives
 * in `tx402_migration` / `tx402_migration_lock`, apart from the app's own.
 *
 * Takes what `redisPostgresLedger` takes: a Kysely instance, a pg Pool or a URL (a pool it makes
 * from a URL is closed before it returns, and sets no statement timeout). Everything runs in one
 * transaction that holds a transaction-level advisory lock, so it works the same on a direct
 * connection and through PgBouncer in transaction pooling mode; a failed migration leaves nothing
 * behind.
 *
 * @returns the names of the migrations it ran.
 * @throws LedgerMigrationError when the database cannot be reached or a migration fails.
 * @example
 * await migrate(process.env.DATABASE_URL!) // ['0001_create_payments', '0002_keep_responses', '0003_key_payments_by_payee_and_payer', '0004_credit_balances', '0005_pending_credit_grants', '0006_payment_functions', '0007_count_redeliveries'] the first time, then []
 */
export async function migrate(db: PostgresInput): Promise<string[]> {
  const postgres = connectPostgres(db, () => {}, { statementTimeout: false })
  try {
    return await inMigrationTransaction(postgres.db, (db) => migrateToLatest(db))
  } catch (error) {
    if (error instanceof LedgerMigrationError) throw error
    throw new LedgerMigrationError("The ledger's migrations could not run.", {
      details: error instanceof Error ? error.message : String(error),
      cause: error,
    })
  } finally {
    await postgres.close()
  }
}

/**
 * Which of the ledger's migrations have run on this database and which are pending, without
 * running any (for `tx402 doctor`). Takes what `migrate` takes.
 *
 * @example
 * const { pending } = await migrationStatus(process.env.DATABASE_URL!)
 * if (pending.length) console.log('run `tx402 migrate`')
 */
export async function migrationStatus(
  db: PostgresInput,
): Promise<{ applied: string[]; pending: string[] }> {
  const postgres = connectPostgres(db, () => {})
  try {
    const migrations = await (await migrator(postgres.db)).getMigrations()
    return {
      applied: migrations.filter((m) => m.executedAt).map((m) => m.name),
      pending: migrations.filter((m) => !m.executedAt).map((m) => m.name),
    }
  } finally {
    await postgres.close()
  }
}

/** The names of the ledger's migrations, oldest first. */
export type LedgerMigrationName = keyof typeof migrations

/**
 * Runs the ledger's migrations up to and including `name` only: for tests of a later migration
 * against rows written under an earlier schema. Apps call `migrate`.
 *
 * @example await migrateUpTo(db, '0001_create_payments')
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's Migrator takes any database type
export async function migrateUpTo(db: Kysely<any>, name: LedgerMigrationName): Promise<string[]> {
  return inMigrationTransaction(db, (locked) => migrateToLatest(locked, name))
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely's Migrator takes any database type
async function migrator(db: Kysely<any>): Promise<Migrator> {
  // Kysely looks for its migration tables in every schema unless told one; name the schema the
  // ledger's table goes to (the first of the search_path), so each schema keeps its own state.
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
  return new Migrator({
    db,
    migrationTableSchema: rows[0]!.schema,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'tx402_migration',
    migrationLockTableName: 'tx402_migration_lock',
    // migrate() runs it in its own transaction (inMigrationTransaction).
    disableTransactions: true,
  })
}

// biome-ignore lint/suspicious/noExplicitAny: Kysely's Migrator takes any database type
async function migrateToLatest(db: Kysely<any>, target?: LedgerMigrationName): Promise<string[]> {
  if (await migratedByNewerVersion(db)) return []
  const run = await migrator(db)
  const { error, results = [] } = await (target ? run.migrateTo(target) : run.migrateToLatest())
  if (error) {
    // Thrown, so the transaction rolls back.
    const failed = results.find((r) => r.status === 'Error')?.migrationName
    throw new LedgerMigrationError(
      `The ledger's migrations failed${failed ? ` at ${failed}` : ''}.`,
      {
        details: error instanceof Error ? error.message : String(error),
        cause: error,
      },
    )
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/**
 * True when a newer tx402 has migrated this database past this version and every migration this
 * version knows has run: then this version starts on it as it is (a rolling deploy's old
 * processes restarting, or a rollback). Kysely would refuse ("previously executed migration …
 * is missing"); released migrations only add (columns, tables, functions the older code never
 * uses), which is what makes this safe. A name that is not newer than this version's last, or a
 * migration of this version that has not run, is a database this version cannot trust: an error.
 */
// biome-ignore lint/suspicious/noExplicitAny: Kysely's Migrator takes any database type
async function migratedByNewerVersion(db: Kysely<any>): Promise<boolean> {
  const { rows: table } = await sql<{ present: boolean }>`
    select to_regclass(quote_ident(current_schema()) || '.tx402_migration') is not null as present`.execute(
    db,
  )
  if (!table[0]?.present) return false
  const { rows } = await sql<{ name: string }>`select name from tx402_migration`.execute(db)
  const known = Object.keys(migrations)
  const newest = known.at(-1)!
  const unknown = rows.map((r) => r.name).filter((name) => !known.includes(name))
  if (unknown.length === 0) return false
  const executed = new Set(rows.map((r) => r.name))
  const missing = known.filter((name) => !executed.has(name))
  if (unknown.some((name) => name <= newest) || missing.length > 0) {
    throw new LedgerMigrationError(
      "The ledger's database holds migrations this version of @tx402/ledger does not know.",
      {
        details: `unknown: ${unknown.join(', ')}; not run here: ${missing.join(', ') || 'none'}. Run migrate() of the newer version, or restore the database this version migrated.`,
      },
    )
  }
  return true
}
