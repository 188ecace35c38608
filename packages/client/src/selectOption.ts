import { type AcceptOption, formatAmount, type Network, parseBaseUnits } from '@tx402/core/protocol'
import { identifyAsset } from './assets/assetIdentity.js'
import { declaredFee } from './assets/declaredFee.js'
import { assetAddress } from './assets/knownAssets.js'
import { spendingLimit } from './assets/spendingLimit.js'
import { type CreditOptions, choosePack } from './credit/creditOptions.js'
import { NoPayableOptionError, SpendingCapError } from './errors.js'
import type { Payer } from './payer.js'
import { AssetMismatchError } from './refusals.js'
import type { MaxAmount } from './spendingCap.js'

/** What `selectOption` needs from the client's options. */
export interface SelectOptions {
  payers: readonly Payer[]
  /** Chain names or CAIP-2 ids, most preferred first; the rest follow in the server's order. */
  preferredChains?: readonly string[] | undefined
  maxAmount: MaxAmount
  /** Buy a credit pack where the option sells one the policy and the cap allow. */
  credit?: CreditOptions | undefined
}

/**
 * Picks the option to pay: among those a configured payer can pay, the first in the caller's
 * preferred chain order whose asset is what it claims to be (`identifyAsset`) and whose amount is
 * within the spending cap for that asset (`spendingLimit`). Throws `AssetMismatchError` for a
 * mislabelled asset, `NoPayableOptionError` for an asset neither known nor listed by address, or
 * when no payer fits, and `SpendingCapError` when every payable option is above its cap.
 *
 * Also returns `maxAmount`, the cap in base units for what leaves the wallet (fees included), and,
 * with `options.credit`, `pack`: the credit pack to pay instead of the price (`choosePack`).
 *
 * @example const { option, payer, maxAmount } = await selectOption(body.accepts, { payers, maxAmount: '0.10' })
 */
export async function selectOption(
  accepts: readonly AcceptOption[],
  options: SelectOptions,
): Promise<{ option: AcceptOption; payer: Payer; maxAmount: bigint; pack?: bigint }> {
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
  // Caps apply to the asset's identity (network + contract or mint), never to its label alone.
  let refusal: Error | undefined
  let overCap: SpendingCapError | undefined
  for (const candidate of payable) {
    const { option } = candidate
    const identity = identifyAsset(option, candidate.payer.assets)
    const limit = spendingLimit(options.maxAmount, option, identity)
    const address = assetAddress(option.asset) ?? option.asset.symbol
    if (limit.kind === 'mislabelled') {
      refusal ??= new AssetMismatchError({
        symbol: option.asset.symbol,
        address,
        network: option.network,
        expected: limit.expected,
      })
      continue
    }
    if (limit.kind === 'unlisted') {
      refusal ??= new NoPayableOptionError(
        `${option.asset.symbol} (${address}) on ${option.chain} is not a known stablecoin.`,
        { details: 'List it by address in maxAmount to pay it. Nothing was paid.' },
      )
      continue
    }
    const pack = choosePack(option, options.credit, limit.amount)
    if (pack !== undefined) return { ...candidate, maxAmount: limit.amount, pack }
    const amount = parseBaseUnits(option.amount)
    // What leaves the wallet: the price plus a transfer fee the server declared.
    if (amount + declaredFee(option, amount) <= limit.amount) {
      return { ...candidate, maxAmount: limit.amount }
    }
    overCap ??= new SpendingCapError({
      symbol: option.asset.symbol,
      amount: formatAmount(amount, option.asset.decimals),
      cap: limit.text,
      chain: option.chain,
    })
  }
  throw refusal ?? overCap!
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
