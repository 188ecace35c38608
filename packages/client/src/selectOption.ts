import { type AcceptOption, formatAmount, type Network, parseBaseUnits } from '@tx402/core'
import { NoPayableOptionError, SpendingCapError } from './errors.js'
import type { Payer } from './payer.js'
import { capFor, type MaxAmount } from './spendingCap.js'

/** What `selectOption` needs from the client's options. */
export interface SelectOptions {
  payers: readonly Payer[]
  /** Chain names or CAIP-2 ids, most preferred first; the rest follow in the server's order. */
  preferredChains?: readonly string[] | undefined
  maxAmount: MaxAmount
}

/**
 * Picks the option to pay: among those a configured payer can pay, the first in the caller's
 * preferred chain order whose amount is within the spending cap. Throws `SpendingCapError` when
 * every payable option is above its cap, `NoPayableOptionError` when none is payable.
 *
 * @example const { option, payer } = await selectOption(body.accepts, { payers, maxAmount: '0.10' })
 */
export async function selectOption(
  accepts: readonly AcceptOption[],
  options: SelectOptions,
): Promise<{ option: AcceptOption; payer: Payer }> {
  const payable: { option: AcceptOption; payer: Payer }[] = []
  for (const option of accepts) {
    const payer = await findPayer(options.payers, option.network, option)
    if (payer) payable.push({ option, payer })
  }
  if (payable.length === 0) {
    throw new NoPayableOptionError('No configured payer can pay any accepted option.', {
      details: `Accepted: ${accepts.map((o) => `${o.asset.symbol} on ${o.chain} (${o.network})`).join(', ') || 'none'}.`,
    })
  }
  const rank = (option: AcceptOption): number => {
    const preferred = options.preferredChains ?? []
    const index = preferred.findIndex((chain) => {
      const wanted = chain.toLowerCase()
      return wanted === option.chain.toLowerCase() || wanted === option.network.toLowerCase()
    })
    return index === -1 ? preferred.length : index
  }
  // Array.prototype.sort is stable: equal ranks keep the server's order.
  payable.sort((a, b) => rank(a.option) - rank(b.option))
  for (const candidate of payable) {
    if (
      parseBaseUnits(candidate.option.amount) <=
      capFor(options.maxAmount, candidate.option.asset).amount
    ) {
      return candidate
    }
  }
  const { option } = payable[0]!
  throw new SpendingCapError({
    symbol: option.asset.symbol,
    amount: formatAmount(parseBaseUnits(option.amount), option.asset.decimals),
    cap: capFor(options.maxAmount, option.asset).text,
    chain: option.chain,
  })
}

/**
 * The first payer on `network` that can pay the option: its asset, and its proof when it asks for
 * one (any payer on `network` when the option is omitted).
 *
 * @example await findPayer(payers, 'eip155:8453')
 */
export async function findPayer(
  payers: readonly Payer[],
  network: Network,
  option?: AcceptOption,
): Promise<Payer | undefined> {
  for (const payer of payers) {
    // A payer whose RPC cannot tell its network cannot pay now; another payer may.
    const own = await payer.getNetwork().catch(() => undefined)
    if (own?.toLowerCase() !== network.toLowerCase()) continue
    if (!option) return payer
    // An option demanding a proof is paid only by a payer that can sign one.
    if (payer.supports(option.asset) && (!option.proofRequired || payer.signsProofs)) return payer
  }
  return undefined
}
