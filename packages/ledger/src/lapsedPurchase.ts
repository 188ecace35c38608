import { type Kysely, sql } from 'kysely'
import { creditBalancesTable, type LedgerDatabase, paymentsTable } from './schema.js'

const balances = sql.table(creditBalancesTable)
const payments = sql.table(paymentsTable)

/**
 * Commits the purchase that opens balance `balanceId` when its claim lapsed (its process died
 * between the response and the commit: docs/protocol.md 6.1) and that balance does not exist
 * yet, in ONE statement: the claim → consumed, its grant applied as its own commit would have.
 * Called by a spend of that balance's token that was answered `pending`: only the purchase's
 * response carried that token, so holding it proves the response's headers reached the payer,
 * who must not lose the payment (before this, the token answered 409 until `reconcile` released
 * the payment, then `credit_invalid`, and the payer bought again). A top-up is never committed
 * this way: its token was held before the top-up, so it proves nothing.
 *
 * The claim row is locked (`for update`) while still claimed and lapsed: a concurrent spend
 * doing the same, a takeover by a re-presentation of the payment, or the late commit of a holder
 * that was only cut off from the ledger find it consumed (or renewed) and do nothing twice. The
 * lease token is kept, so that holder's own commit still answers as committed. True when it
 * committed one.
 *
 * @example if ((await reserve(r)).status === 'pending' && (await commitLapsedPurchase(db, id))) reserve(r)
 */
export async function commitLapsedPurchase(
  db: Kysely<LedgerDatabase>,
  balanceId: string,
): Promise<boolean> {
  const { rows } = await sql<{ committed: number }>`
    with lapsed as (
      select p.network, p.tx_id, p.pay_to, p.payer from ${payments} as p
      where p.credit_balance_id = ${balanceId} and p.status = 'claimed'
        and p.claim_expires_at <= now()
        and not exists (select 1 from ${balances} as b where b.id = ${balanceId})
      limit 1
      for update
    ), granted as (
      insert into ${balances} (id, scope, network, asset, payer, remaining, expires_at,
        opened_by_network, opened_by_tx_id, opened_by_pay_to, opened_by_payer)
      select p.credit_balance_id, p.credit_scope, p.network, p.asset, p.payer, p.credit_amount,
        p.credit_expires_at, p.network, p.tx_id, p.pay_to, p.payer
      from ${payments} as p join lapsed as l using (network, tx_id, pay_to, payer)
      on conflict (id) do nothing
      returning id
    ), consumed as (
      update ${payments} as p set status = 'consumed', claim_expires_at = null,
        credit_applied = exists (select 1 from granted),
        consumed_at = coalesce(p.consumed_at, now()), updated_at = now()
      from lapsed as l
      where p.network = l.network and p.tx_id = l.tx_id and p.pay_to = l.pay_to
        and p.payer = l.payer and p.status = 'claimed'
      returning p.tx_id
    )
    select count(*)::int as committed from consumed`.execute(db)
  return (rows[0]?.committed ?? 0) > 0
}

/**
 * The claims `reconcile` leaves alone although they lapsed: those carrying a grant that opens a
 * balance not there yet. Their payer may hold the token (the response's headers may have
 * arrived before the process died), whose first spend commits them (`commitLapsedPurchase`);
 * releasing them would turn that token into `credit_invalid` and the payment into one its payer
 * has already forgotten. They stay takeable: presenting the payment again takes the claim over,
 * as any lapsed claim.
 */
export const awaitingItsToken = sql<boolean>`(credit_balance_id is not null and not exists (
  select 1 from ${balances} as b where b.id = credit_balance_id))`
