import { type Kysely, sql } from 'kysely'

// Taken per transaction: a session-level lock (what Kysely's Migrator takes on its own) would,
// through a transaction pooler, stay on a server connection another client is given next, and a
// failed migration would leave it held there.
const migrationLockId = '7402402402402402402'

// biome-ignore lint/suspicious/noExplicitAny: Kysely's Migrator takes any database type
type AnyKysely = Kysely<any>

/**
 * Runs `migrations` in one transaction on one connection that first takes the ledger's
 * transaction-level advisory lock: concurrent callers take turns, it works the same through
 * PgBouncer in transaction pooling mode, and a failure rolls back everything (the lock too).
 * `migrations` gets that connection, as a Kysely whose adapter takes no migration lock of its own
 * (kysely 0.28's Migrator would take a session-level one): run the Migrator on it with
 * `disableTransactions: true`.
 *
 * @example await inMigrationTransaction(db, (trx) => migrator(trx).migrateToLatest())
 */
export async function inMigrationTransaction<T>(
  db: AnyKysely,
  migrations: (db: AnyKysely) => Promise<T>,
): Promise<T> {
  // kysely 0.28 cannot run its Migrator on a Transaction, only on a connection: so the
  // transaction is begun and ended by hand on a connection held for the whole run.
  return db.connection().execute(async (connection) => {
    await sql`begin`.execute(connection)
    try {
      await sql`select pg_advisory_xact_lock(${migrationLockId}::bigint)`.execute(connection)
      const result = await migrations(withoutMigrationLock(connection))
      await sql`commit`.execute(connection)
      return result
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => {})
      throw error
    }
  })
}

// The same Kysely, but its executor's adapter takes and releases no migration lock: the
// transaction above already holds the ledger's. Every other member is the original's.
function withoutMigrationLock(db: AnyKysely): AnyKysely {
  const executor = db.getExecutor()
  const adapter = Object.create(executor.adapter, {
    acquireMigrationLock: { value: async () => {} },
    releaseMigrationLock: { value: async () => {} },
  })
  return viewOf(db, {
    getExecutor: () => viewOf(executor, { adapter }),
  })
}

// Members of `target` with some replaced; methods run on the target itself (kysely's classes
// keep their state in private fields, which a Proxy as `this` cannot reach).
function viewOf<T extends object>(target: T, replaced: Record<string, unknown>): T {
  return new Proxy(target, {
    get(object, key) {
      if (typeof key === 'string' && key in replaced) return replaced[key]
      const value = Reflect.get(object, key, object)
      return typeof value === 'function' ? value.bind(object) : value
    },
  })
}
