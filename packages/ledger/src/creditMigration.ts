import { type Migration, sql } from 'kysely'
import { creditBalancesTable, creditSpendsTable, paymentsTable } from './schema.js'

/**
 * Migration 0004: prepaid credit. Released migrations are never edited; a change is a new one.
 * `remaining` can never go below 0 (the CHECK is the last guard behind every statement's own
 * condition), and a spend always names an existing balance.
 */
export const creditMigration: Migration = {
  async up(db) {
    await db.schema
      .createTable(creditBalancesTable)
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('network', 'text', (c) => c.notNull())
      .addColumn('asset', 'text', (c) => c.notNull())
      .addColumn('payer', 'text', (c) => c.notNull())
      .addColumn('remaining', sql`numeric(78, 0)`, (c) => c.notNull().check(sql`remaining >= 0`))
      .addColumn('expires_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('opened_by_network', 'text', (c) => c.notNull())
      .addColumn('opened_by_tx_id', 'text', (c) => c.notNull())
      .addColumn('opened_by_pay_to', 'text', (c) => c.notNull())
      .addColumn('opened_by_payer', 'text', (c) => c.notNull())
      .execute()
    // The operator lists a payer's balances.
    await db.schema
      .createIndex(`${creditBalancesTable}_payer`)
      .on(creditBalancesTable)
      .column('payer')
      .execute()

    await db.schema
      .createTable(creditSpendsTable)
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('balance_id', 'text', (c) => c.notNull().references(`${creditBalancesTable}.id`))
      .addColumn('amount', sql`numeric(78, 0)`, (c) => c.notNull().check(sql`amount > 0`))
      .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('reserved', 'committed')`))
      .addColumn('expires_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addCheckConstraint(
        `${creditSpendsTable}_lease_check`,
        sql`state = 'committed' or expires_at is not null`,
      )
      .execute()
    // For `reconcile`, which gives back lapsed reservations; and the balance's spends.
    await db.schema
      .createIndex(`${creditSpendsTable}_lapsing`)
      .on(creditSpendsTable)
      .column('expires_at')
      .where(sql.ref('state'), '=', 'reserved')
      .execute()
    await db.schema
      .createIndex(`${creditSpendsTable}_balance`)
      .on(creditSpendsTable)
      .column('balance_id')
      .execute()

    // The grant a payment carries from its mark to its commit (network, asset and payer are the
    // payment's own).
    await db.schema
      .alterTable(paymentsTable)
      .addColumn('credit_balance_id', 'text')
      .addColumn('credit_scope', 'text')
      .addColumn('credit_amount', sql`numeric(78, 0)`, (c) => c.check(sql`credit_amount > 0`))
      .addColumn('credit_expires_at', 'timestamptz')
      .addColumn('credit_applied', 'boolean')
      .execute()
  },
  async down(db) {
    await db.schema
      .alterTable(paymentsTable)
      .dropColumn('credit_balance_id')
      .dropColumn('credit_scope')
      .dropColumn('credit_amount')
      .dropColumn('credit_expires_at')
      .dropColumn('credit_applied')
      .execute()
    await db.schema.dropTable(creditSpendsTable).execute()
    await db.schema.dropTable(creditBalancesTable).execute()
  },
}
