import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely'

// kysely ships a PGlite dialect only from 0.29, which requires Node 22; tx402 supports Node 20,
// so it stays on kysely 0.28 with this adapter: kysely's own PostgreSQL compiler, adapter and
// introspector over PGlite's query(), through kysely's public Dialect interface.

/**
 * What the dialect uses of a PGlite instance (`@electric-sql/pglite`'s `PGlite` is one). Named
 * here rather than imported, so the ledger's declarations do not pull in PGlite's own (WASM and
 * browser types an app without the DOM lib cannot compile).
 */
export interface PGliteInstance {
  query<R>(query: string, params?: unknown[]): Promise<{ rows: R[]; affectedRows?: number }>
  readonly waitReady: Promise<void>
  readonly closed: boolean
  close(): Promise<void>
}

/**
 * A kysely dialect over a PGlite instance (PostgreSQL in WASM, in this process): the embedded
 * ledger's. PGlite has one connection, so queries and transactions take turns on it; a
 * transaction holds it from `begin` to `commit`/`rollback`. `destroy()` closes the PGlite.
 *
 * @example
 * const db = new Kysely<LedgerDatabase>({ dialect: pgliteDialect(await PGlite.create('./data')) })
 */
export function pgliteDialect(pglite: PGliteInstance): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => pgliteDriver(pglite),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  }
}

function pgliteDriver(pglite: PGliteInstance): Driver {
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      const { rows, affectedRows } = await pglite.query<R>(query.sql, [...query.parameters])
      return affectedRows == null ? { rows } : { rows, numAffectedRows: BigInt(affectedRows) }
    },
    // biome-ignore lint/correctness/useYield: PGlite has no cursors; kysely's interface needs a generator
    async *streamQuery() {
      throw new Error('PGlite cannot stream query results.')
    },
  }
  // The one connection is lent to one caller at a time: a transaction's statements must not
  // interleave with anyone else's.
  let turn: Promise<void> = Promise.resolve()
  let release: (() => void) | undefined
  const run = (text: string) => connection.executeQuery(CompiledQuery.raw(text))

  return {
    async init() {
      await pglite.waitReady
    },
    async acquireConnection() {
      const previous = turn
      let done!: () => void
      turn = new Promise((resolve) => {
        done = resolve
      })
      await previous
      release = done
      return connection
    },
    async releaseConnection() {
      const done = release
      release = undefined
      done?.()
    },
    async beginTransaction(_connection, settings: TransactionSettings) {
      const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : ''
      await run(`begin${isolation}`)
    },
    async commitTransaction() {
      await run('commit')
    },
    async rollbackTransaction() {
      await run('rollback')
    },
    async destroy() {
      if (!pglite.closed) await pglite.close()
    },
  }
}
