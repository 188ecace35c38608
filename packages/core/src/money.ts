import { InvalidAmountError } from './errors.js'

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/

/**
 * Converts a decimal string to base units as `bigint`, exactly: no float is involved.
 * Rejects negatives, exponents, signs, spaces, empty strings and more fraction digits than the
 * asset has.
 *
 * @example parseAmount('0.01', 6) // 10000n
 */
export function parseAmount(value: string, decimals: number): bigint {
  assertDecimals(decimals)
  if (typeof value !== 'string') throw new InvalidAmountError('Amount must be a decimal string.')
  const match = DECIMAL.exec(value)
  if (!match) {
    throw new InvalidAmountError(`"${value.slice(0, 40)}" is not a decimal amount.`, {
      details: 'Write a plain non-negative decimal such as "0.01": no sign, exponent or spaces.',
    })
  }
  const whole = match[1]!
  const fraction = match[2] ?? ''
  if (fraction.length > decimals) {
    throw new InvalidAmountError(
      `"${value}" has ${fraction.length} decimal places; this asset has ${decimals}.`,
    )
  }
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, '0') || '0')
}

/**
 * Formats base units as a decimal string without trailing zeros.
 *
 * @example formatAmount(10000n, 6) // '0.01'
 */
export function formatAmount(amount: bigint, decimals: number): string {
  assertDecimals(decimals)
  if (amount < 0n) throw new InvalidAmountError('Amounts are never negative.')
  const unit = 10n ** BigInt(decimals)
  const whole = amount / unit
  const fraction = (amount % unit).toString().padStart(decimals, '0').replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole.toString()
}

/**
 * Parses a base-unit integer written as a decimal string (the wire form of `amount`).
 *
 * @example parseBaseUnits('10000') // 10000n
 */
export function parseBaseUnits(value: string): bigint {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]*)$/.test(value)) {
    throw new InvalidAmountError(`"${String(value).slice(0, 40)}" is not an amount in base units.`)
  }
  return BigInt(value)
}

function assertDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) {
    throw new InvalidAmountError(`Decimals must be an integer from 0 to 36, got ${decimals}.`)
  }
}
