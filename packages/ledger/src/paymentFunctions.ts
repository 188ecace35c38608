import type { Migration } from 'kysely'
import { sql } from 'kysely'
import { creditBalancesTable, paymentsTable as table } from './schema.js'

// The claim and the commit of every paid request as PL/pgSQL functions, so PostgreSQL parses and
// plans their statements once per connection (PL/pgSQL keeps the plans) instead of at every call:
// that was most of the ledger's database CPU (claim 0.30 → 0.19 ms, commit 0.57 → 0.2 ms per
// call, `pnpm bench ledger`). A function needs no session state from the client, unlike a named
// prepared statement, so it works alike on a direct connection, through PgBouncer in transaction
// pooling mode and on PGlite. Each call is one statement in its own transaction, as before.
// Frozen with its migration: a change is a new migration that replaces the functions.

// $1-$4 are the payment key (the primary key). Inserts the claim, or takes over a claim that is
// this lease's own or whose lease lapsed; never a consumed row. The lapse time is counted on the
// database clock so claims compare as equals. The credit columns hold the grant (docs/protocol.md
// section 7.2) that the commit applies. 'marked' when this lease now holds the claim; otherwise
// who holds it, read by a second statement of the same call (a fresh snapshot, so it sees the row
// that beat this claim even if committed after the first statement began): 'consumed',
// 'in_progress', or null when the row went away or lapsed just then (the caller tries again).
const claimFunction = `create function ${table}_claim(
  text, text, text, text, text, text, numeric, text, text, text, double precision,
  text, text, numeric, timestamptz) returns text language plpgsql as $fn$
declare
  held record;
begin
  insert into ${table}
    (network, tx_id, pay_to, payer, chain, asset, amount, resource, challenge_id, status, lease_token, claim_expires_at,
     credit_balance_id, credit_scope, credit_amount, credit_expires_at, credit_applied)
  values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'claimed', $10, now() + make_interval(secs => $11),
     $12, $13, $14, $15, null)
  on conflict (network, tx_id, pay_to, payer) do update set
    chain = excluded.chain, asset = excluded.asset, amount = excluded.amount,
    resource = excluded.resource, challenge_id = excluded.challenge_id,
    credit_balance_id = excluded.credit_balance_id, credit_scope = excluded.credit_scope,
    credit_amount = excluded.credit_amount, credit_expires_at = excluded.credit_expires_at,
    lease_token = excluded.lease_token, claim_expires_at = excluded.claim_expires_at, updated_at = now()
  where ${table}.status = 'claimed'
    and (${table}.lease_token = excluded.lease_token or ${table}.claim_expires_at <= now());
  if found then return 'marked'; end if;
  select p.status, p.claim_expires_at > now() as live into held from ${table} as p
    where p.network = $1 and p.tx_id = $2 and p.pay_to = $3 and p.payer = $4;
  if not found then return null; end if;
  if held.status = 'consumed' then return 'consumed'; end if;
  if held.live then return 'in_progress'; end if;
  return null;
end $fn$`

// The pending credit grant lands in the same statement as the status change, on claimed →
// consumed only: the CTE reads the payment row `for update` while it is still claimed, so a
// commit retried after a lost reply (or racing itself) finds it consumed and grants nothing. A
// top-up adds only to a balance of the same scope, network, asset, payer and payee
// (creditGrant.ts), and moves its expiry to the grant's when that is later (never earlier). One
// that expired after the top-up was checked (a long handler) keeps only the top-up, with the
// grant's expiry: the payer paid for it, and what had expired stays expired.
const grantedCte = `with granted as (
    insert into ${creditBalancesTable} as b (id, scope, network, asset, payer, remaining, expires_at,
      opened_by_network, opened_by_tx_id, opened_by_pay_to, opened_by_payer)
    (select p.credit_balance_id, p.credit_scope, p.network, p.asset, p.payer, p.credit_amount,
        p.credit_expires_at, p.network, p.tx_id, p.pay_to, p.payer
      from ${table} as p
      where p.network = $1 and p.tx_id = $2 and p.pay_to = $3 and p.payer = $4
        and p.lease_token = $5 and p.status = 'claimed' and p.credit_balance_id is not null
      for update)
    on conflict (id) do update set updated_at = now(),
      remaining = case when b.expires_at <= now() then excluded.remaining
        else b.remaining + excluded.remaining end,
      expires_at = case when b.expires_at <= now() then excluded.expires_at
        when b.expires_at is null or excluded.expires_at is null then null
        else greatest(b.expires_at, excluded.expires_at) end
      where b.scope = excluded.scope and b.network = excluded.network and b.asset = excluded.asset
        and b.payer = excluded.payer and b.opened_by_pay_to = excluded.opened_by_pay_to
    returning b.id)`

// Also 'consumed': a retry after a commit whose reply was lost succeeds, keeping the first
// commit's time (and its kept response, which is the same).
const consumeSet = `status = 'consumed', claim_expires_at = null,
    credit_applied = case when ${table}.status = 'claimed' and credit_balance_id is not null
      then exists (select 1 from granted) else credit_applied end,
    consumed_at = coalesce(consumed_at, now()), updated_at = now()`
const consumeWhere = `where network = $1 and tx_id = $2 and pay_to = $3 and payer = $4
    and lease_token = $5 and status in ('claimed', 'consumed')`

// This lease's ($5) claim → consumed, applying its credit grant, keeping the response ($6-$8)
// when its status is given. Returns 'consumed', or null when the lease lost its claim.
const consumeFunction = `create function ${table}_consume(
  text, text, text, text, text, integer, text, bytea) returns text language plpgsql as $fn$
begin
  if $6 is null then
    ${grantedCte}
    update ${table} set ${consumeSet}
    ${consumeWhere};
  else
    ${grantedCte}
    update ${table} set ${consumeSet}, response_status = $6, response_headers = $7, response_body = $8
    ${consumeWhere};
  end if;
  if found then return 'consumed'; end if;
  return null;
end $fn$`

/** Migration `0006_payment_functions`: the claim and the commit as functions (see above). */
export const paymentFunctionsMigration: Migration = {
  async up(db) {
    await sql.raw(claimFunction).execute(db)
    await sql.raw(consumeFunction).execute(db)
  },
  async down(db) {
    await sql
      .raw(`drop function ${table}_consume(text, text, text, text, text, integer, text, bytea)`)
      .execute(db)
    await sql
      .raw(
        `drop function ${table}_claim(text, text, text, text, text, text, numeric, text, text, text, double precision, text, text, numeric, timestamptz)`,
      )
      .execute(db)
  },
}
