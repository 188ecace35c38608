import { ConfigurationError } from '../errors.js'
import type { Ledger } from '../ledger.js'
import { refuseUnknownOptions } from '../optionKeys.js'
import { optionAmount, type ResolvedOffer } from '../price.js'
import type { CreditOffer } from '../protocol/types.js'

/**
 * Prepaid credit a route sells (docs/protocol.md section 7): one payment of at least the smallest
 * pack opens a balance that later requests spend without paying on chain.
 *
 * @example { packs: ['1.00', '5.00'], expiresInSeconds: 30 * 86_400 }
 * @example { packs: ['1.00'], amounts: { solana: [900_000n] }, scope: 'weather' }
 */
export interface RouteCredit {
  /** Decimal amounts in each offer's asset (as `price`), each above the price: e.g. `['1.00']`. */
  packs: readonly string[]
  /** Per chain name: packs in base units there instead of `packs` (as `amounts` for the price). */
  amounts?: Record<string, readonly bigint[]>
  /** How long a balance lasts after it is opened, in seconds (at most 100 years). Default: it never expires. */
  expiresInSeconds?: number
  /**
   * Which routes spend the same balances: those configured with the same scope. 1 to 64 of
   * `A-Z a-z 0-9 _ - . :`. Default `'default'`.
   */
  scope?: string
}

/** A route's credit terms, resolved once at setup. */
export interface CreditTerms {
  scope: string
  /** Milliseconds a new balance lasts; undefined: never expires. */
  expiresInMs: number | undefined
  /** Per offer: packs in base units, ascending, and the `accepts[i].credit` field, precomputed. */
  packs: ReadonlyMap<ResolvedOffer, { smallest: bigint; accepts: CreditOffer }>
}

const creditKeys = ['packs', 'amounts', 'expiresInSeconds', 'scope']
const scopeShape = /^[A-Za-z0-9_.:-]{1,64}$/
const maxExpirySeconds = 100 * 365 * 86_400

/**
 * Checks the `credit` option and resolves its packs on each offer; undefined when the route
 * sells no credit.
 *
 * @throws ConfigurationError naming the option: unknown keys, a pack not above the price or not
 *   fitting the asset's decimals, a ledger without `credit`, a bad scope or expiry.
 * @example const credit = resolveCredit(options.credit, offers, options.ledger)
 */
export function resolveCredit(
  credit: RouteCredit | undefined,
  offers: readonly ResolvedOffer[],
  ledger: Ledger,
): CreditTerms | undefined {
  if (credit === undefined) return undefined
  if (!credit || typeof credit !== 'object' || Array.isArray(credit)) {
    throw new ConfigurationError(
      'The option "credit" must be { packs, expiresInSeconds?, scope? }.',
    )
  }
  refuseUnknownOptions(credit, creditKeys, { path: 'credit.' })
  if (!ledger.credit) {
    throw new ConfigurationError('The option "credit" needs a ledger that keeps credit balances.', {
      details: 'Use embeddedLedger() or redisPostgresLedger() of @tx402/ledger, or memoryLedger().',
    })
  }
  const scope = credit.scope ?? 'default'
  if (typeof scope !== 'string' || !scopeShape.test(scope)) {
    throw new ConfigurationError('The option "credit.scope" must be 1 to 64 of A-Z a-z 0-9 _ - . :')
  }
  const seconds = credit.expiresInSeconds
  // Capped so now + expiry stays a valid Date (a larger one made every purchase fail).
  if (
    seconds !== undefined &&
    !(Number.isSafeInteger(seconds) && seconds > 0 && seconds <= maxExpirySeconds)
  ) {
    throw new ConfigurationError(
      `The option "credit.expiresInSeconds" must be a whole number from 1 to ${maxExpirySeconds} (100 years), got ${seconds}.`,
      { details: 'Leave it out for balances that never expire.' },
    )
  }
  if (!Array.isArray(credit.packs) || credit.packs.length === 0) {
    throw new ConfigurationError('The option "credit.packs" must list at least one amount.', {
      details: "For example packs: ['1.00', '5.00'] (decimal, in the route's asset).",
    })
  }
  const chains = offers.map((offer) => offer.plugin.name)
  if (credit.amounts !== undefined) {
    if (!credit.amounts || typeof credit.amounts !== 'object') {
      throw new ConfigurationError('The option "credit.amounts" must be keyed by chain name.')
    }
    refuseUnknownOptions(credit.amounts, chains, { path: 'credit.amounts.' })
  }
  const packs = new Map<ResolvedOffer, { smallest: bigint; accepts: CreditOffer }>()
  for (const offer of offers) {
    const amounts = packsOn(credit, offer)
    packs.set(offer, {
      smallest: amounts[0]!,
      accepts: {
        packs: amounts.map(String),
        ...(seconds !== undefined ? { expiresInSeconds: seconds } : {}),
        scope,
      },
    })
  }
  return { scope, expiresInMs: seconds === undefined ? undefined : seconds * 1000, packs }
}

/** One offer's packs in base units, ascending; each above the price there. */
function packsOn(credit: RouteCredit, { plugin, requirement }: ResolvedOffer): bigint[] {
  const chain = plugin.name
  const explicit = credit.amounts?.[chain]
  const where = explicit ? `credit.amounts.${chain}` : 'credit.packs'
  if (explicit && (!Array.isArray(explicit) || explicit.length === 0)) {
    throw new ConfigurationError(`The option "${where}" must list base units, e.g. [1_000_000n].`)
  }
  const amounts = explicit
    ? explicit.map((amount) => {
        if (typeof amount !== 'bigint') {
          throw new ConfigurationError(`The option "${where}" must list bigints in base units.`)
        }
        return amount
      })
    : credit.packs.map((pack) => packIn(pack, requirement.asset, chain))
  const sorted = [...new Set(amounts)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  if (sorted[0]! <= requirement.amount) {
    throw new ConfigurationError(
      `The option "${where}" has a pack of ${sorted[0]} base units on ${chain}, not above the price there (${requirement.amount}).`,
      { details: 'A pack pays for its own request and leaves the rest as credit: make it larger.' },
    )
  }
  return sorted
}

function packIn(pack: unknown, asset: ResolvedOffer['requirement']['asset'], chain: string) {
  return optionAmount(pack, asset, {
    option: 'credit.packs',
    chain,
    example: "decimal strings with at most DECIMALS decimals, e.g. '1.00'",
  })
}
