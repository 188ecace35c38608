import { ConfigurationError, formatAmount, parseAmount, type WireAsset } from '@tx402/core/protocol'

/**
 * The most the client pays per request (what leaves the wallet, fees included), as decimal
 * strings in units of the asset. Keys: a known stablecoin's symbol (case-insensitive; covers only
 * the contracts in `knownStablecoins` and a payer's declared `assets`), `'*'` for the other known
 * stablecoins, a native coin's symbol (`ETH`, `AVAX`, `SOL`), or a contract address or mint (that
 * asset, whatever it is called). A plain string caps every known stablecoin. Anything without an
 * entry is never paid.
 *
 * @example '0.25'
 * @example { USDC: '1', ETH: '0.0005' }
 * @example { '0x1234…abcd': '5' } // a token outside the table, by address
 */
export type MaxAmount = string | Readonly<Record<string, string>>

/**
 * The cap when none is given: 0.10 of a known stablecoin (0.10 USDC, USDT or EURC). Native coins
 * and other tokens are paid only when `maxAmount` names them.
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
