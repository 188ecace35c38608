import type { Ledger } from '@tx402/core'
import type { PaymentRequiredOptions } from '@tx402/koa'
import type { AnvilCredit } from '../credit/anvilCredit.js'

const quiet = { info() {}, warn() {}, error() {} }

/**
 * `paymentRequired` options charging one cent of the lab's test USDC (a fresh chain plugin on its
 * counting RPC proxy), logging nothing: the paywall every anvil delivery test starts from.
 * Spread it and add what the test is about.
 *
 * @example paymentRequired({ ...centOnAnvil(lab, ledger, secret), maxRedeliveries: 1 })
 */
export function centOnAnvil(
  lab: AnvilCredit,
  ledger: Ledger,
  secret: string,
): PaymentRequiredOptions {
  return { price: '0.01', asset: 'USDC', chains: [lab.chain()], ledger, secret, logger: quiet }
}
