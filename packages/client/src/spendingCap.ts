import { ConfigurationError, formatAmount, parseAmount, type WireAsset } from '@tx402/core'

/**
 * The most the client pays per request, as decimal strings in units of the asset: one string
 * for every asset, or a record by asset symbol (case-insensitive) where `'*'` covers the rest
 * and an asset without an entry is never paid.
 *
 * @example '0.25'
 * @example { USDC: '1', ETH: '0.0005' }
 */
export type MaxAmount = string | Readonly<Record<string, string>>

/**
 * The cap when none is given: 0.10 of whatever asset is asked (0.10 USDC, 0.10 ETH, 0.10 SOL).
 * Set `maxAmount` for native coins, where 0.10 is worth far more than a cent-priced request.
 */
export const defaultMaxAmount = '0.10'

/**
 * Checks every cap is a plain decimal string; throws `ConfigurationError` at setup otherwise.
 *
 * @example validateMaxAmount({ USDC: '1' })
 */
export function validateMaxAmount(maxAmount: MaxAmount): void {
  const caps = typeof maxAmount === 'string' ? { '*': maxAmount } : maxAmount
  for (const [symbol, cap] of Object.entries(caps)) {
    try {
      parseAmount(cap, 36)
    } catch (cause) {
      throw new ConfigurationError(`maxAmount for ${symbol} must be a decimal string.`, { cause })
    }
  }
}

/**
 * The cap for `asset` in its base units, and as a decimal string for messages. A cap with more
 * decimals than the asset is rounded down, so it never allows more than written.
 *
 * @example capFor({ USDC: '1' }, usdc) // { amount: 1000000n, text: '1' }
 */
export function capFor(maxAmount: MaxAmount, asset: WireAsset): { amount: bigint; text: string } {
  const text = lookupCap(maxAmount, asset.symbol)
  if (text === undefined) return { amount: 0n, text: '0' }
  const [whole = '0', fraction = ''] = text.split('.')
  const truncated = fraction ? `${whole}.${fraction.slice(0, asset.decimals)}` : whole
  const amount = parseAmount(truncated.endsWith('.') ? whole : truncated, asset.decimals)
  return { amount, text: formatAmount(amount, asset.decimals) }
}

function lookupCap(maxAmount: MaxAmount, symbol: string): string | undefined {
  if (typeof maxAmount === 'string') return maxAmount
  const wanted = symbol.toUpperCase()
  for (const [key, cap] of Object.entries(maxAmount)) {
    if (key.toUpperCase() === wanted) return cap
  }
  return maxAmount['*']
}
