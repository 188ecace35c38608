import { checkCreditGrant, type Lease, type PaymentDetails, type PaymentKey } from '@tx402/core'
import { type Kysely, sql } from 'kysely'
import {
  type CreditBalancesTable,
  creditBalancesTable,
  creditSpendsTable,
  type LedgerDatabase,
  paymentsTable,
} from './schema.js'

/**
 * The grant columns of a payment's claim row, from `details.credit` (all null without one).
 * Checked by `checkCreditGrant` before anything is claimed.
 *
 * @throws RangeError when the grant does not match the payment or its amount is not positive.
 */
export function grantColumns(key: PaymentKey, details: PaymentDetails) {
  const grant = details.credit
  if (!grant) {
    return {
      credit_balance_id: null,
      credit_scope: null,
      credit_amount: null,
      credit_expires_at: null,
      credit_applied: null,
    }
  }
  checkCreditGrant(key, details)
  return {
    credit_balance_id: grant.balanceId,
    credit_scope: grant.scope,
    credit_amount: grant.amount.toString(),
    credit_expires_at: grant.expiresAt === undefined ? null : new Date(grant.expiresAt),
    credit_applied: null,
  }
}

/**
 * The statement a commit runs first, as a CTE of its own UPDATE (so in the same statement as the
 * status change): adds this lease's pending grant to its balance, opening it if new. It reads the
 * payment row `for update` and only while it is still `claimed`, so a commit retried after a lost
 * reply (or racing itself) waits for the first and then finds it `consumed`: the grant lands once.
 * A top-up only adds to a balance of the same scope, network, asset and payer that has not
 * expired; otherwise it is skipped (never mixing balances) and `credit_applied` says so. The
 * engine checks the balance with `credit.find` before it marks, so a skip is a race at worst.
 */
export function grantCte(lease: Lease) {
  // Parenthesized here: Kysely does not wrap a raw CTE body.
  return sql<{
    id: string
  }>`(insert into ${sql.table(creditBalancesTable)} as b (id, scope, network, asset, payer, remaining, expires_at,
      opened_by_network, opened_by_tx_id, opened_by_pay_to, opened_by_payer)
    (select p.credit_balance_id, p.credit_scope, p.network, p.asset, p.payer, p.credit_amount,
        p.credit_expires_at, p.network, p.tx_id, p.pay_to, p.payer
      from ${sql.table(paymentsTable)} as p
      where p.network = ${lease.key.network} and p.tx_id = ${lease.key.txId}
        and p.pay_to = ${lease.key.payTo} and p.payer = ${lease.key.payer}
        and p.lease_token = ${lease.token} and p.status = 'claimed'
        and p.credit_balance_id is not null
      for update)
    on conflict (id) do update set remaining = b.remaining + excluded.remaining, updated_at = now()
      where b.scope = excluded.scope and b.network = excluded.network and b.asset = excluded.asset
        and b.payer = excluded.payer and (b.expires_at is null or b.expires_at > now())
    returning b.id)`
}

/** The commit's `credit_applied`: set on the claimed → consumed transition only. */
export const grantApplied = sql<boolean | null>`case
  when ${sql.ref(`${paymentsTable}.status`)} = 'claimed' and credit_balance_id is not null
    then exists (select 1 from granted)
  else credit_applied end`

/**
 * Deletes this lease's row, claimed or consumed, and in the same statement takes back the grant
 * its commit applied: `remaining` goes down by the grant, floored at 0. If part of it was already
 * spent (a top-up spent by concurrent requests before the release), the spent part stays spent:
 * those requests were served, and a balance never goes negative. A balance this payment opened
 * and that is left empty with no spend is then deleted (a second, best-effort statement: an
 * empty balance left behind is harmless, nobody was given its token).
 */
export async function unclaimTakingBackGrant(
  db: Kysely<LedgerDatabase>,
  lease: Lease,
): Promise<'claimed' | 'consumed' | undefined> {
  const { key } = lease
  const { rows } = await sql<{
    status: 'claimed' | 'consumed'
    balance_id: string | null
    remaining: string | null
    opened_here: boolean | null
  }>`with gone as (
      delete from ${sql.table(paymentsTable)}
      where network = ${key.network} and tx_id = ${key.txId} and pay_to = ${key.payTo}
        and payer = ${key.payer} and lease_token = ${lease.token} and status in ('claimed', 'consumed')
      returning status, credit_balance_id, credit_amount, credit_applied
    ), taken as (
      update ${sql.table(creditBalancesTable)} as b
      set remaining = greatest(b.remaining - gone.credit_amount, 0), updated_at = now()
      from gone
      where gone.status = 'consumed' and gone.credit_applied and b.id = gone.credit_balance_id
      returning b.id, b.remaining::text as remaining,
        (b.opened_by_network = ${key.network} and b.opened_by_tx_id = ${key.txId}
          and b.opened_by_pay_to = ${key.payTo} and b.opened_by_payer = ${key.payer}) as opened_here
    )
    select gone.status, taken.id as balance_id, taken.remaining, taken.opened_here
    from gone left join taken on true`.execute(db)
  const row = rows[0]
  if (row?.opened_here && row.remaining === '0' && row.balance_id) {
    await dropEmptyBalance(db, row.balance_id).catch(() => undefined)
  }
  return row?.status
}

async function dropEmptyBalance(db: Kysely<LedgerDatabase>, id: CreditBalancesTable['id']) {
  await db
    .deleteFrom(creditBalancesTable)
    .where('id', '=', id)
    .where('remaining', '=', '0')
    .where((eb) =>
      eb.not(
        eb.exists(eb.selectFrom(creditSpendsTable).select('token').where('balance_id', '=', id)),
      ),
    )
    .execute()
}
