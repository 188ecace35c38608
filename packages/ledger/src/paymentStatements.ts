import type { Lease, PaymentDetails, PaymentKey, StoredResponse } from '@tx402/core'
import { CompiledQuery } from 'kysely'
import { grantColumns } from './creditGrant.js'
import { paymentsTable as table } from './schema.js'

// The statements on the path of every paid request, written once as SQL text: Kysely's query
// builder spent more CPU building and compiling the claim (about 0.2 ms a call) than PostgreSQL
// spent running it, and on a busy API process that CPU is the ledger's throughput. Each is one
// statement; $1-$4 are always the payment key (the primary key). Columns as in schema.ts.

const key = 'network = $1 and tx_id = $2 and pay_to = $3 and payer = $4'
const keyParameters = (k: PaymentKey) => [k.network, k.txId, k.payTo, k.payer]

// The claim runs as the function of migration 0006 (paymentFunctions.ts), which PostgreSQL plans
// once per connection; it answers 'marked', 'consumed', 'in_progress' or null (try again).
const claimText = `select ${table}_claim($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) as result`

/** The claim function's parameters for `lease`, in its order; the lease lapses in `seconds`. */
function claimParameters(lease: Lease, details: PaymentDetails) {
  const grant = grantColumns(lease.key, details)
  const seconds = Math.max(0, lease.expiresAt - Date.now()) / 1000
  return [
    ...keyParameters(lease.key),
    details.chain,
    details.asset,
    details.amount.toString(),
    details.resource,
    details.challengeId ?? null,
    lease.token,
    seconds,
    grant.credit_balance_id,
    grant.credit_scope,
    grant.credit_amount,
    grant.credit_expires_at,
  ] as const
}

/** The claim of `lease.key` for `lease`, lapsing when the lease does. */
export function claimStatement(lease: Lease, details: PaymentDetails) {
  return CompiledQuery.raw(claimText, [...claimParameters(lease, details)])
}

const consumedText = `select status from ${table} where ${key} and status = 'consumed'`

/** The row of `key` if it is consumed. */
export function consumedStatement(k: PaymentKey) {
  return CompiledQuery.raw(consumedText, keyParameters(k))
}

const renewText = `update ${table}
set claim_expires_at = now() + make_interval(secs => $6::double precision)
where ${key} and lease_token = $5 and status = 'claimed'
returning status`

/** Moves this lease's claim to lapse `ttlMs` from now (database clock). */
export function renewStatement(lease: Lease, ttlMs: number) {
  return CompiledQuery.raw(renewText, [...keyParameters(lease.key), lease.token, ttlMs / 1000])
}

// The commit runs as the function of migration 0006 (paymentFunctions.ts): claimed (or already
// consumed) by this lease → consumed, applying the credit grant in the same statement, keeping
// the response when given. It answers 'consumed', or null when the lease lost its claim.
const consumeText = `select ${table}_consume($1, $2, $3, $4, $5, $6, $7, $8) as result`

/** This lease's claim → consumed (applying its credit grant), keeping `response` for its re-delivery when given. */
export function consumeStatement(lease: Lease, response?: StoredResponse) {
  return CompiledQuery.raw(consumeText, [
    ...keyParameters(lease.key),
    lease.token,
    response?.status ?? null,
    response ? JSON.stringify(response.headers) : null,
    response?.body ?? null,
  ])
}

// Group commit (paymentStore.ts): several claims, or several commits, as ONE statement that calls
// the same function of migration 0006 once per payment, in the order given. Each call's
// statements take a fresh snapshot and see the calls before it, so each payment gets the answer
// it would get alone (two claims of one payment in a group: the second is 'in_progress'); the
// group is one transaction, so a fault fails them all and keeps none. Values go as text arrays
// cast in SQL, which node-postgres and PGlite serialize alike (nulls included); `i` maps each
// answer back to its member.
const claimGroupText = `select g.i, ${table}_claim(g.network, g.tx_id, g.pay_to, g.payer, g.chain, g.asset,
  g.amount::numeric, g.resource, g.challenge_id, g.lease_token, g.seconds::double precision,
  g.credit_balance_id, g.credit_scope, g.credit_amount::numeric, g.credit_expires_at::timestamptz) as result
from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
  $15::text[]) with ordinality as g(network, tx_id, pay_to, payer, chain, asset, amount, resource,
  challenge_id, lease_token, seconds, credit_balance_id, credit_scope, credit_amount,
  credit_expires_at, i)`

/** The claims of several leases in one statement; row `i` (1-based) answers member `i`. */
export function claimGroupStatement(members: readonly { lease: Lease; details: PaymentDetails }[]) {
  const columns: (string | null)[][] = Array.from({ length: 15 }, () => [])
  for (const { lease, details } of members) {
    // As text: each column is one text[] parameter, cast back in the statement.
    claimParameters(lease, details).forEach((value, c) => {
      columns[c]!.push(
        value instanceof Date ? value.toISOString() : value == null ? null : String(value),
      )
    })
  }
  return CompiledQuery.raw(claimGroupText, columns)
}

const consumeGroupText = `select g.i, ${table}_consume(g.network, g.tx_id, g.pay_to, g.payer, g.lease_token,
  g.response_status::integer, g.response_headers, decode(g.response_body, 'hex')) as result
from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
  $8::text[]) with ordinality as g(network, tx_id, pay_to, payer, lease_token, response_status,
  response_headers, response_body, i)`

/** The commits of several leases in one statement; row `i` (1-based) answers member `i`. */
export function consumeGroupStatement(
  members: readonly { lease: Lease; response?: StoredResponse | undefined }[],
) {
  const columns: (string | null)[][] = Array.from({ length: 8 }, () => [])
  for (const { lease, response } of members) {
    const row = [
      ...keyParameters(lease.key),
      lease.token,
      response ? String(response.status) : null,
      response ? JSON.stringify(response.headers) : null,
      response ? Buffer.from(response.body).toString('hex') : null,
    ]
    row.forEach((value, c) => {
      columns[c]!.push(value)
    })
  }
  return CompiledQuery.raw(consumeGroupText, columns)
}
