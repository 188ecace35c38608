import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { freePort } from '@tx402/testing/faults'
import { describeWithServices } from '@tx402/testing/services'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { LedgerMigrationError } from './errors.js'
import { migrate, migrateUpTo } from './migrate.js'
import {
  creditBalancesTable,
  creditSpendsTable,
  type LedgerDatabase,
  paymentsTable,
} from './schema.js'
import { prepareTestDatabase, testDatabase, testDatabaseUrl } from './test/postgres.js'

describeWithServices('migrate', ['postgres'], () => {
  const schemas: string[] = []
  const admin = new pg.Pool({ connectionString: testDatabaseUrl, max: 1 })

  // A schema of its own, so "fresh" means fresh whatever other tests did to the database.
  const freshSchema = async () => {
    const schema = `tx402_migrate_${randomBytes(4).toString('hex')}`
    await admin.query(`create schema ${schema}`)
    schemas.push(schema)
    const pool = new pg.Pool({
      connectionString: testDatabaseUrl,
      options: `-c search_path=${schema}`,
    })
    return new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool }) })
  }

  before(async function () {
    this.timeout(30_000)
    await prepareTestDatabase()
  })

  after(async () => {
    for (const schema of schemas) await admin.query(`drop schema ${schema} cascade`)
    await admin.end()
  })

  it('creates the payments table once and leaves it and its rows alone when run again', async () => {
    const db = await freshSchema()
    try {
      assert.deepEqual(await migrate(db), [
        '0001_create_payments',
        '0002_keep_responses',
        '0003_key_payments_by_payee_and_payer',
        '0004_credit_balances',
        '0005_pending_credit_grants',
        '0006_payment_functions',
        '0007_count_redeliveries',
      ])
      await db
        .insertInto(paymentsTable)
        .values({
          network: 'eip155:8453',
          tx_id: '0x01',
          chain: 'base',
          payer: 'p',
          pay_to: 'q',
          asset: 'a',
          amount: '10',
          resource: 'GET /x',
          status: 'consumed',
          consumed_at: sql`now()`,
        })
        .execute()
      assert.deepEqual(await migrate(db), [])
      const rows = await db.selectFrom(paymentsTable).select(['tx_id', 'amount']).execute()
      assert.deepEqual(rows, [{ tx_id: '0x01', amount: '10' }])
    } finally {
      await db.destroy()
    }
  })

  it('runs each migration once when started on several connections at once', async () => {
    const db = await freshSchema()
    try {
      const ran = await Promise.all([migrate(db), migrate(db), migrate(db)])
      assert.deepEqual(ran.flat().sort(), [
        '0001_create_payments',
        '0002_keep_responses',
        '0003_key_payments_by_payee_and_payer',
        '0004_credit_balances',
        '0005_pending_credit_grants',
        '0006_payment_functions',
        '0007_count_redeliveries',
      ])
    } finally {
      await db.destroy()
    }
  })

  it('moves rows written under the first schema to the key of payee and payer', async () => {
    const db = await freshSchema()
    try {
      await migrateUpTo(db, '0001_create_payments')
      const row = {
        network: 'eip155:8453',
        tx_id: '0x03',
        chain: 'base',
        payer: '0xPayerOne',
        pay_to: '0xPayee',
        asset: 'a',
        amount: '10',
        resource: 'GET /x',
        status: 'consumed' as const,
        consumed_at: sql<Date>`now()`,
      }
      await db.insertInto(paymentsTable).values(row).execute()
      // Under the old key, a second payer in the same transaction had no row of its own.
      await assert.rejects(
        db
          .insertInto(paymentsTable)
          .values({ ...row, payer: '0xPayerTwo' })
          .execute(),
        /tx402_payments_pkey/,
      )
      assert.deepEqual(await migrate(db), [
        '0002_keep_responses',
        '0003_key_payments_by_payee_and_payer',
        '0004_credit_balances',
        '0005_pending_credit_grants',
        '0006_payment_functions',
        '0007_count_redeliveries',
      ])
      await db
        .insertInto(paymentsTable)
        .values({ ...row, payer: '0xPayerTwo' })
        .execute()
      await db
        .insertInto(paymentsTable)
        .values({ ...row, pay_to: '0xOtherPayee' })
        .execute()
      await assert.rejects(
        db.insertInto(paymentsTable).values(row).execute(),
        /tx402_payments_pkey/,
        'the moved row still holds its payment',
      )
      const rows = await db
        .selectFrom(paymentsTable)
        .select(['payer', 'pay_to', 'status'])
        .orderBy('payer')
        .orderBy('pay_to')
        .execute()
      assert.deepEqual(rows, [
        { payer: '0xPayerOne', pay_to: '0xOtherPayee', status: 'consumed' },
        { payer: '0xPayerOne', pay_to: '0xPayee', status: 'consumed' },
        { payer: '0xPayerTwo', pay_to: '0xPayee', status: 'consumed' },
      ])
    } finally {
      await db.destroy()
    }
  })

  it('adds credit to a ledger with payments: rows kept, no grant, a balance never below 0', async () => {
    const db = await freshSchema()
    try {
      await migrateUpTo(db, '0003_key_payments_by_payee_and_payer')
      const payment = {
        network: 'eip155:8453',
        tx_id: '0x04',
        chain: 'base',
        payer: '0xPayer',
        pay_to: '0xPayee',
        asset: 'a',
        amount: '10',
        resource: 'GET /x',
        status: 'consumed' as const,
        consumed_at: sql<Date>`now()`,
      }
      await db.insertInto(paymentsTable).values(payment).execute()
      assert.deepEqual(await migrate(db), [
        '0004_credit_balances',
        '0005_pending_credit_grants',
        '0006_payment_functions',
        '0007_count_redeliveries',
      ])
      const row = await db.selectFrom(paymentsTable).selectAll().executeTakeFirstOrThrow()
      assert.equal(row.amount, '10')
      assert.deepEqual(
        [row.credit_balance_id, row.credit_amount, row.credit_applied],
        [null, null, null],
      )
      const balance = {
        id: 'b1',
        scope: 's',
        network: payment.network,
        asset: 'a',
        payer: '0xPayer',
        remaining: '5',
        opened_by_network: payment.network,
        opened_by_tx_id: '0x04',
        opened_by_pay_to: '0xPayee',
        opened_by_payer: '0xPayer',
      }
      await db.insertInto(creditBalancesTable).values(balance).execute()
      await assert.rejects(
        db.updateTable(creditBalancesTable).set({ remaining: '-1' }).execute(),
        /remaining_check/,
      )
      await assert.rejects(
        db
          .insertInto(creditSpendsTable)
          .values({
            token: 't',
            balance_id: 'nope',
            amount: '1',
            state: 'reserved',
            expires_at: sql<Date>`now()`,
          })
          .execute(),
        /foreign key/,
      )
    } finally {
      await db.destroy()
    }
  })

  it('rolls a failed migration back whole and leaves no advisory lock on the connection', async () => {
    const db = await freshSchema()
    try {
      // A table of that name that no migration made: the first migration fails on it.
      await sql`create table ${sql.table(paymentsTable)} (x int)`.execute(db)
      await assert.rejects(migrate(db), LedgerMigrationError)
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_locks where locktype = 'advisory'`.execute(db)
      assert.equal(rows[0]!.n, 0, 'a lock held past the failure would stall every later migrate')
      const { rows: ran } = await sql<{ n: number }>`
        select count(*)::int as n from information_schema.tables
        where table_schema = current_schema() and table_name like 'tx402_migration%'`.execute(db)
      assert.equal(ran[0]!.n, 0, 'the migration tables were made in the rolled-back transaction')
    } finally {
      await db.destroy()
    }
  })

  // Rolling deploy: the new version's first process runs its migration, and every process of the
  // previous version that starts after that (a crash restart, a scale-up, a rollback) runs
  // `migrate()` at startup as documented. Kysely alone refused ("corrupted migrations: previously
  // executed migration … is missing"), so the old version could not start on the database.
  it('lets a version start on a database a newer version migrated (rolling deploy)', async () => {
    const db = await freshSchema()
    try {
      await migrate(db)
      await sql`insert into tx402_migration (name, timestamp) values ('9999_from_a_newer_version', now())`.execute(
        db,
      )
      assert.deepEqual(await migrate(db), [])
      assert.deepEqual(await migrateUpTo(db, '0006_payment_functions'), [])
      // A name among this version's own, or one of its migrations not run, is not a newer version.
      await sql`insert into tx402_migration (name, timestamp) values ('0003b_unknown', now())`.execute(
        db,
      )
      await assert.rejects(migrate(db), (error: LedgerMigrationError) => {
        assert.ok(error instanceof LedgerMigrationError)
        assert.match(String(error.details), /unknown: .*0003b_unknown/)
        return true
      })
    } finally {
      await db.destroy()
    }
  })

  it('raises LedgerMigrationError when the database cannot be reached', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/${testDatabase}`
    await assert.rejects(migrate(url), LedgerMigrationError)
  })

  it('rejects a claimed row without a lease or a negative amount', async () => {
    const db = await freshSchema()
    try {
      await migrate(db)
      const row = {
        network: 'eip155:8453',
        tx_id: '0x02',
        chain: 'base',
        payer: 'p',
        pay_to: 'q',
        asset: 'a',
        resource: 'GET /x',
      }
      await assert.rejects(
        db
          .insertInto(paymentsTable)
          .values({ ...row, amount: '1', status: 'claimed' })
          .execute(),
        /tx402_payments_state_check/,
      )
      await assert.rejects(
        db
          .insertInto(paymentsTable)
          .values({ ...row, amount: '-1', status: 'consumed', consumed_at: sql`now()` })
          .execute(),
        /check constraint/,
      )
    } finally {
      await db.destroy()
    }
  })
})
