import { challengeKeys } from '../challenge/challengeKeys.js'
import { ConfigurationError } from '../errors.js'
import type { ResolvedOffer } from '../price.js'
import { describeCost, resolveOffers } from '../price.js'
import { admissionFor } from './admit.js'
import { offeredTerms } from './answeredTerms.js'
import { offerBindings } from './bindingPolicy.js'
import { checkRealm } from './challengeRealm.js'
import { assertChallengeFits } from './challengeResponse.js'
import { checkOptions } from './checkOptions.js'
import { resolveCredit } from './creditOffer.js'
import { defaultClockSkewSeconds } from './judgeChainReport.js'
import { leaseSettler } from './leaseSettler.js'
import { guarded } from './observer.js'
import { reporter } from './report.js'
import { creditScheme } from './schemes/credit/creditScheme.js'
import { transferScheme } from './schemes/transfer/transferScheme.js'
import { offerSelector } from './selectOffer.js'
import type { EngineScheme, Logger, PaymentEngineOptions, Route, RouteTerms } from './types.js'

const faultsOnly: Logger = {
  info() {},
  warn: (object, message) => console.warn(message, object),
  error: (object, message) => console.error(message, object),
}

/**
 * Checks `options` and resolves them into the route: everything decided once, at setup (offers,
 * terms, keys, limits), the per-route parts (settler, admission, reporter), and the composition
 * of its payment schemes, asked in this order: the pushed transfer, credit, then
 * `options.schemes`. Anything wrong throws here, before the app listens. Also asks each chain
 * about its asset (a transfer fee, say) and logs what it says.
 *
 * @throws ConfigurationError naming the option.
 * @example const route = resolveOptions({ chains: [base({ rpcUrl, payTo })], ledger, secret, price: '0.01' })
 */
export function resolveOptions(options: PaymentEngineOptions): Route {
  checkOptions(options)
  const keys = challengeKeys(options.secret)
  if (!options.ledger) throw new ConfigurationError('A ledger is required.')
  if (!options.chains?.length) throw new ConfigurationError('At least one chain is required.')
  if (!options.chains.every((chain) => chain && typeof chain === 'object')) {
    throw new ConfigurationError('The option "chains" must list chain plugins only.', {
      details: 'For example chains: [base({ rpcUrl, payTo })]; an entry was null or undefined.',
    })
  }
  const offers = resolveOffers(options.chains, options, options.maxAgeSeconds)
  const bindings = offerBindings(offers, options)
  const credit = resolveCredit(options.credit, offers, options.ledger)
  const terms: RouteTerms = {
    key: keys[0]!,
    offers,
    terms: offeredTerms(offers),
    cost: describeCost(options, offers),
    challengeTtlSeconds: wholeSeconds(options.challengeTtlSeconds, 900, 'challengeTtlSeconds'),
    proofRequired: new Set(offers.filter((o) => bindings.get(o)!.proof)),
    credit,
    realm: checkRealm(options.realm),
    schemes: options.schemes,
  }
  assertChallengeFits(terms)
  const logger = guarded(options.logger ?? faultsOnly, ['info', 'warn', 'error'])
  announceAssetNotices(offers, logger)
  const base = {
    offers,
    terms,
    keys,
    credit,
    bindings,
    selectOffer: offerSelector(offers),
    skewSeconds: nonNegative(options.clockSkewSeconds, defaultClockSkewSeconds, 'clockSkewSeconds'),
    claimTtlMs: positive(options.claimTtlMs, 60_000, 'claimTtlMs'),
    redeliveryWindowMs:
      nonNegative(options.redeliveryWindowSeconds, 600, 'redeliveryWindowSeconds') * 1000,
    maxStoredResponseBytes: nonNegative(
      options.maxStoredResponseBytes,
      1_048_576,
      'maxStoredResponseBytes',
    ),
    maxRedeliveries: wholeCount(options.maxRedeliveries, 3, 'maxRedeliveries'),
    logger,
    observer: guarded(options.observer ?? {}, ['decision', 'verification', 'fault', 'inFlight']),
    ledger: options.ledger,
    settler: leaseSettler(options.ledger, logger),
    admission: admissionFor(options.limits, options.ledger),
  }
  const report = reporter({ logger, observer: base.observer, hooks: options })
  // The composition: a new scheme is one folder under schemes/ and one line here.
  const schemes: EngineScheme[] = [
    transferScheme(base),
    creditScheme(base),
    ...((options.schemes ?? []) as readonly EngineScheme[]),
  ]
  return { ...base, report, schemes }
}

/** What the chain says about each asset (a transfer fee, say), read once and logged. */
function announceAssetNotices(offers: readonly ResolvedOffer[], logger: Logger): void {
  for (const { plugin, requirement } of offers) {
    plugin
      .inspectAsset?.(requirement.asset)
      .then((found) => {
        if (found?.notice)
          logger.warn({ chain: plugin.name, asset: requirement.asset }, found.notice)
      })
      .catch(() => undefined)
  }
}

// 0 cannot mean "off" here: a claim or challenge that lapses at once would refuse every payment.
function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ConfigurationError(`The option "${name}" must be a number above 0, got ${value}.`)
  }
  return value
}

// A challenge's expiry is signed in whole seconds (Date's range): a fraction or a date beyond it
// would make the server refuse its own challenges, or fail every 402.
const maxChallengeTtlSeconds = 100 * 365 * 24 * 3600

function wholeSeconds(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isInteger(value) && value > 0 && value <= maxChallengeTtlSeconds)) {
    throw new ConfigurationError(
      `The option "${name}" must be a whole number of seconds above 0 and at most ${maxChallengeTtlSeconds} (100 years), got ${value}.`,
    )
  }
  return value
}

// Counted in the ledger one by one: a fraction or Infinity would leave the bound meaningless.
function wholeCount(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isSafeInteger(value) && value >= 0)) {
    throw new ConfigurationError(
      `The option "${name}" must be a whole number of 0 or more, got ${value}.`,
    )
  }
  return value
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!(Number.isFinite(value) && value >= 0)) {
    throw new ConfigurationError(
      `The option "${name}" must be a number of 0 or more, got ${value}.`,
    )
  }
  return value
}
