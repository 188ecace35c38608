import assert from 'node:assert/strict'
import type { AcceptOption } from '@tx402/core/protocol'
import { ConfigurationError } from '@tx402/core/protocol'
import { choosePack, validateCreditOptions } from './creditOptions.js'

const option = (packs?: string[], fee?: AcceptOption['transferFee']): AcceptOption => ({
  chain: 'base',
  network: 'eip155:8453',
  asset: { standard: 'erc20', address: '0xabc', symbol: 'USDC', decimals: 6 },
  amount: '10000',
  payTo: '0xdef',
  maxAgeSeconds: 900,
  ...(packs ? { credit: { packs, scope: 'default' } } : {}),
  ...(fee ? { transferFee: fee } : {}),
})

describe('choosePack', () => {
  const offer = option(['5000000', '1000000', '20000000'])

  it('buys nothing unless asked, or where no pack is sold', () => {
    assert.equal(choosePack(offer, undefined, 10n ** 12n), undefined)
    assert.equal(choosePack(option(), { buy: 'smallest' }, 10n ** 12n), undefined)
  })

  it('picks the smallest pack only when it is within the cap', () => {
    assert.equal(choosePack(offer, { buy: 'smallest' }, 1_000_000n), 1_000_000n)
    assert.equal(choosePack(offer, { buy: 'smallest' }, 999_999n), undefined)
  })

  it('picks the largest pack within the cap, or within upTo', () => {
    assert.equal(choosePack(offer, { buy: 'largest' }, 6_000_000n), 5_000_000n)
    assert.equal(choosePack(offer, { buy: { upTo: 4_000_000n } }, 10n ** 12n), 1_000_000n)
    assert.equal(choosePack(offer, { buy: { upTo: 500_000n } }, 10n ** 12n), undefined)
  })

  it('counts a declared transfer fee against the cap', () => {
    const feeOffer = option(['1000000'], { basisPoints: 100, maximumFee: '1000000' })
    assert.equal(choosePack(feeOffer, { buy: 'smallest' }, 1_000_000n), undefined)
    assert.equal(choosePack(feeOffer, { buy: 'smallest' }, 1_010_102n), 1_000_000n)
  })

  it('ignores malformed packs and packs below the price', () => {
    const odd = option(['1.5', '-3', '9999', 'abc', '30000'])
    assert.equal(choosePack(odd, { buy: 'smallest' }, 10n ** 12n), 30_000n)
  })
})

describe('validateCreditOptions', () => {
  it('accepts the three policies and refuses anything else at setup', () => {
    validateCreditOptions(undefined)
    validateCreditOptions({ buy: 'smallest' })
    validateCreditOptions({ buy: 'largest', topUp: false })
    validateCreditOptions({ buy: { upTo: 1n } })
    for (const bad of [{ buy: 'all' }, { buy: { upTo: 0n } }, { buy: { upTo: 5 } }, {}]) {
      assert.throws(() => validateCreditOptions(bad as never), ConfigurationError)
    }
  })
})
