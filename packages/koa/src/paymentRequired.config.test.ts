import assert from 'node:assert/strict'
import { ConfigurationError, memoryLedger, paymentOptionNames } from '@tx402/core'
import { scriptedChain } from '@tx402/core/testing'
import { paymentRequired } from './paymentRequired.js'

const secret = 'config-test-secret-at-least-32-bytes!!!'

/** Runs `paymentRequired` and returns the ConfigurationError's message. */
function configurationError(options: unknown): string {
  try {
    paymentRequired(options as Parameters<typeof paymentRequired>[0])
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, `not a ConfigurationError: ${error}`)
    return error.message
  }
  assert.fail('paymentRequired accepted the options')
}

describe('@tx402/koa configuration errors name the option', () => {
  const valid = () => ({
    price: '0.01',
    chains: [scriptedChain().plugin],
    ledger: memoryLedger(),
    secret,
  })

  it('a missing secret', () => {
    const { secret: _, ...options } = valid()
    assert.match(configurationError(options), /The option "secret" is missing/)
  })

  it('a secret read from an unset environment variable (undefined)', () => {
    const message = configurationError({ ...valid(), secret: process.env.TX402_UNSET_FOR_TEST })
    assert.match(message, /"secret" is missing \(or undefined\)/)
    assert.match(message, /TX402_SECRET/)
  })

  it('a misspelled option, with the closest name', () => {
    const { price: _, ...options } = valid()
    assert.match(
      configurationError({ ...options, pricee: '0.01' }),
      /Unknown option "pricee"\. Did you mean "price"\?/,
    )
    assert.match(
      configurationError({ ...valid(), requireChalenge: true }),
      /Did you mean "requireChallenge"/,
    )
  })

  it('an unknown option far from every name, listing the known ones', () => {
    const message = configurationError({ ...valid(), webhookUrl: 'x' })
    assert.match(message, /Unknown option "webhookUrl"\./)
    assert.doesNotMatch(message, /Did you mean/)
    assert.match(message, /Known options: price, asset/)
  })

  it('accepts every known option name', () => {
    assert.ok(paymentOptionNames.includes('onRejected'))
    paymentRequired({ ...valid(), maxAgeSeconds: 0, challengeTtlSeconds: 60 })
  })

  it('a misspelled key inside limits, which would otherwise leave the limit off', () => {
    assert.match(
      configurationError({ ...valid(), limits: { perClientt: { max: 5, windowMs: 1000 } } }),
      /Unknown option "limits\.perClientt"\. Did you mean "limits\.perClient"\?/,
    )
  })

  it('an inherited name (toString, constructor) as an option', () => {
    assert.match(configurationError({ ...valid(), toString: 1 }), /Unknown option "toString"/)
    assert.match(configurationError({ ...valid(), constructor: 1 }), /Unknown option "constructor"/)
  })

  it('an array, a secret list with a short or empty secret, a null chain', () => {
    assert.match(configurationError([]), /needs an options object/)
    assert.match(configurationError({ ...valid(), secret: [] }), /non-empty list/)
    assert.match(configurationError({ ...valid(), secret: [secret, 'short'] }), /at least 32 bytes/)
    assert.match(configurationError({ ...valid(), secret: [secret, ''] }), /at least 32 bytes/)
    assert.match(
      configurationError({ ...valid(), chains: [null] }),
      /"chains" must list chain plugins/,
    )
  })

  it('a claim or challenge lifetime that is 0, negative or not a number', () => {
    for (const claimTtlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.match(
        configurationError({ ...valid(), claimTtlMs }),
        /"claimTtlMs" must be a number above 0/,
      )
    }
    // 1.5 made the server refuse its own challenges; 1e13 made every 402 a 503.
    for (const challengeTtlSeconds of [0, -60, Number.NaN, 1.5, 1e13]) {
      assert.match(
        configurationError({ ...valid(), challengeTtlSeconds }),
        /"challengeTtlSeconds" must be a whole number of seconds above 0/,
      )
    }
    assert.match(configurationError({ ...valid(), clockSkewSeconds: -1 }), /"clockSkewSeconds"/)
  })

  it('a price or an amounts entry that names no amount (a typo there accepted any payment)', () => {
    const chain = valid().chains[0]!.name
    const typo = { ...valid(), amounts: { [chain]: { amout: 9000n } } }
    assert.match(configurationError(typo), new RegExp(`"amounts\\.${chain}\\.amout"`))
    const notBigint = { ...valid(), amounts: { [chain]: { amount: 9000 } } }
    assert.match(configurationError(notBigint), /"amounts\..*\.amount" must be a bigint/)
    const unknownChain = { ...valid(), amounts: { bsae: { amount: 9000n } } }
    assert.match(configurationError(unknownChain), /Unknown option "amounts\.bsae"/)
    assert.match(configurationError({ ...valid(), price: undefined }), /"price"/)
    assert.match(configurationError({ ...valid(), price: '0.0000001' }), /"price" does not fit/)
  })
})
