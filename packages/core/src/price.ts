import { ConfigurationError, InvalidAmountError } from './errors.js'
import { formatAmount, parseAmount } from './money.js'
import { refuseUnknownOptions } from './optionKeys.js'
import type { ChainPlugin, PaymentRequirement } from './plugin.js'
import type { WireAsset } from './protocol/types.js'

/**
 * What a route costs: a decimal `price` in an asset named by symbol, resolved on each chain to
 * that chain's asset and decimals; `amounts` sets an exact amount (base units) on a chain instead.
 *
 * @example { price: '0.01', asset: 'USDC' }
 * @example { price: '0.01', asset: 'USDC', amounts: { solana: { asset: 'USDC', amount: 9000n } } }
 */
export interface RoutePrice {
  /** Decimal string in units of `asset`, e.g. `'0.01'`. */
  price: string
  /** Asset symbol looked up on each chain. Default `'USDC'`. */
  asset?: string
  /** Per chain name: an explicit asset symbol and amount in base units. */
  amounts?: Record<string, { asset?: string; amount: bigint }>
}

/** One chain offered for a route, with exactly what it must receive. */
export interface ResolvedOffer {
  plugin: ChainPlugin
  requirement: PaymentRequirement
}

/**
 * Resolves a route's price on every chain. A chain without the asset is not offered; setup fails
 * when no chain remains, or when the price has more decimals than a chain's asset.
 *
 * @example resolveOffers([base(…), solana(…)], { price: '0.01' })
 */
export function resolveOffers(
  chains: readonly ChainPlugin[],
  price: RoutePrice,
  maxAgeSeconds?: number,
): ResolvedOffer[] {
  const symbol = price.asset ?? 'USDC'
  checkAmounts(chains, price.amounts)
  const offers: ResolvedOffer[] = []
  for (const plugin of chains) {
    const explicit = price.amounts?.[plugin.name]
    const asset = findAsset(plugin, explicit?.asset ?? symbol)
    if (!asset) continue
    const amount = explicit ? explicit.amount : priceIn(price.price, asset, plugin.name)
    if (amount <= 0n) throw new ConfigurationError(`The price on ${plugin.name} must be above 0.`)
    offers.push({
      plugin,
      requirement: {
        asset,
        amount,
        payTo: plugin.payTo,
        maxAgeSeconds: maxAgeSeconds ?? plugin.maxAgeSeconds,
      },
    })
  }
  if (offers.length === 0) {
    throw new ConfigurationError(`No configured chain accepts ${symbol}.`, {
      details: `Chains: ${chains.map((c) => `${c.name} (${c.assets.map((a) => a.symbol).join(', ')})`).join('; ') || 'none'}.`,
    })
  }
  return offers
}

/**
 * `amounts` names configured chains and gives each a bigint: a misspelled `amount` left the
 * requirement undefined, and every comparison with it passed (any payment was enough).
 */
function checkAmounts(
  chains: readonly ChainPlugin[],
  amounts: RoutePrice['amounts'] | undefined,
): void {
  if (amounts === undefined) return
  if (!amounts || typeof amounts !== 'object') {
    throw new ConfigurationError('The option "amounts" must be an object keyed by chain name.')
  }
  refuseUnknownOptions(
    amounts,
    chains.map((chain) => chain.name),
    { path: 'amounts.' },
  )
  for (const [chain, explicit] of Object.entries(amounts)) {
    if (!explicit || typeof explicit !== 'object') {
      throw new ConfigurationError(`The option "amounts.${chain}" must be { asset?, amount }.`)
    }
    refuseUnknownOptions(explicit, ['asset', 'amount'], { path: `amounts.${chain}.` })
    if (typeof explicit.amount !== 'bigint') {
      throw new ConfigurationError(
        `The option "amounts.${chain}.amount" must be a bigint in base units, e.g. 9000n.`,
      )
    }
  }
}

/** The decimal `price` in `asset`'s base units; a bad price names the option and the chain. */
function priceIn(price: unknown, asset: WireAsset, chain: string): bigint {
  return optionAmount(price, asset, {
    option: 'price',
    chain,
    example: "a decimal string with at most DECIMALS decimals, e.g. '0.01'",
  })
}

/**
 * A decimal amount an option gives (`price`, a credit pack) in `asset`'s base units; a bad one
 * throws a `ConfigurationError` naming the option and the chain, and what to give instead.
 *
 * @throws ConfigurationError for anything `parseAmount` refuses.
 * @example optionAmount('1.00', usdc, { option: 'credit.packs', chain: 'base', example: "decimal strings, e.g. '1.00'" }) // 1000000n
 */
export function optionAmount(
  value: unknown,
  asset: WireAsset,
  where: { option: string; chain: string; example: string },
): bigint {
  try {
    return parseAmount(value as string, asset.decimals)
  } catch (error) {
    if (!(error instanceof InvalidAmountError)) throw error
    throw new ConfigurationError(
      `The option "${where.option}" does not fit ${asset.symbol} on ${where.chain}: ${error.shortMessage}`,
      { details: `Give ${where.example.replace('DECIMALS', String(asset.decimals))}.` },
    )
  }
}

/** The human-readable cost of a route, for the `cost` field. */
export function describeCost(
  price: RoutePrice,
  offers: readonly ResolvedOffer[],
): {
  amount: string
  currency: string
} {
  const first = offers[0]!
  const declared = price.asset ?? 'USDC'
  if (
    offers.some((o) => o.requirement.asset.symbol === declared && !price.amounts?.[o.plugin.name])
  ) {
    return { amount: price.price, currency: declared }
  }
  const { asset, amount } = first.requirement
  return { amount: formatAmount(amount, asset.decimals), currency: asset.symbol }
}

function findAsset(plugin: ChainPlugin, symbol: string): WireAsset | undefined {
  const wanted = symbol.toUpperCase()
  return plugin.assets.find((asset) => asset.symbol.toUpperCase() === wanted)
}
