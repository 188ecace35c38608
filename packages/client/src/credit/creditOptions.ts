import { type AcceptOption, ConfigurationError, parseBaseUnits } from '@tx402/core/protocol'
import { declaredFee } from '../assets/declaredFee.js'

/**
 * Whether and which prepaid credit pack the client buys (docs/protocol.md section 7) when a route
 * sells credit. Every pack is within the spending cap: a pack above `maxAmount` for its asset
 * (fees included) is never bought; the request is then paid alone.
 *
 * - `'smallest'`: the smallest pack on offer;
 * - `'largest'`: the largest pack within the cap;
 * - `{ upTo }`: the largest pack of at most `upTo` base units of the option's asset.
 *
 * @example { buy: 'smallest' }
 * @example { buy: { upTo: 5_000_000n }, topUp: false }
 */
export interface CreditOptions {
  buy: 'smallest' | 'largest' | { upTo: bigint }
  /** Buy another pack when the server answers `credit_exhausted`. Default `true`. */
  topUp?: boolean
}

/**
 * Checks the credit options at setup; throws `ConfigurationError` on bad ones.
 *
 * @example validateCreditOptions({ buy: 'smallest' })
 */
export function validateCreditOptions(credit: CreditOptions | undefined): void {
  if (credit === undefined) return
  const { buy } = credit ?? {}
  if (buy === 'smallest' || buy === 'largest') return
  if (typeof buy === 'object' && typeof buy?.upTo === 'bigint' && buy.upTo > 0n) return
  throw new ConfigurationError(
    "credit.buy must be 'smallest', 'largest' or { upTo: <positive bigint of base units> }.",
  )
}

/**
 * The pack to buy on `option`, in base units, or undefined when the option sells none the policy
 * and the cap (`limit`, base units leaving the wallet) allow. A pack below the option's price is
 * never chosen: it would not even pay for this request.
 *
 * @example choosePack(option, { buy: 'smallest' }, 1_000_000n) // 1000000n
 */
export function choosePack(
  option: AcceptOption,
  credit: CreditOptions | undefined,
  limit: bigint,
): bigint | undefined {
  const packs = option.credit?.packs
  if (!credit || !Array.isArray(packs)) return undefined
  const price = parseBaseUnits(option.amount)
  const offered: bigint[] = []
  for (const pack of packs) {
    try {
      const amount = parseBaseUnits(String(pack))
      if (amount >= price) offered.push(amount)
    } catch {
      // A malformed pack is not offered.
    }
  }
  offered.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const fits = (amount: bigint) => amount + declaredFee(option, amount) <= limit
  if (credit.buy === 'smallest') {
    const smallest = offered[0]
    return smallest !== undefined && fits(smallest) ? smallest : undefined
  }
  const upTo = credit.buy === 'largest' ? limit : credit.buy.upTo
  return offered.filter((amount) => amount <= upTo && fits(amount)).pop()
}
