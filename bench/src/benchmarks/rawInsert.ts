import { randomBytes } from 'node:crypto'
import { paymentsTable } from '@tx402/ledger'

/**
 * The floor of a ledger write: one `INSERT … ON CONFLICT DO NOTHING` of a consumed payment row
 * into the ledger's own table, as text and values for `pg` or PGlite.
 *
 * @example await client.query(...rawInsert())
 */
export function rawInsert(): [string, unknown[]] {
  return [
    `insert into ${paymentsTable}
       (network, tx_id, chain, payer, pay_to, asset, amount, resource, status, consumed_at)
     values ($1, $2, 'floor', $3, $3, $3, $4, 'GET /floor', 'consumed', now())
     on conflict (network, tx_id, pay_to, payer) do nothing`,
    [
      'eip155:31337',
      `0x${randomBytes(32).toString('hex')}`,
      '0x0000000000000000000000000000000000000001',
      '10000',
    ],
  ]
}
