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

/** The claim of `lease.key` for `lease`, lapsing when the lease does. */
export function claimStatement(lease: Lease, details: PaymentDetails) {
  const grant = grantColumns(lease.key, details)
  const seconds = Math.max(0, lease.expiresAt - Date.now()) / 1000
  return CompiledQuery.raw(claimText, [
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
  ])
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
