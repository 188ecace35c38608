import assert from 'node:assert/strict'
import { readPaymentHeaders } from './readPaymentHeaders.js'

const tx = `0x${'ab'.repeat(32)}`

describe('readPaymentHeaders', () => {
  it('reads no payment when no payment header is present', () => {
    assert.deepEqual(readPaymentHeaders({ accept: ['*/*'] }), { kind: 'none' })
  })

  it('reads the four headers', () => {
    assert.deepEqual(
      readPaymentHeaders({
        'x-payment-tx': [tx],
        'x-payment-chain': ['base'],
        'x-payment-challenge': ['c1.a.b'],
        'x-payment-proof': ['0x12'],
      }),
      { kind: 'payment', tx, chain: 'base', challenge: 'c1.a.b', proof: '0x12' },
    )
  })

  const invalid: Array<[string, Record<string, string[]>]> = [
    ['a tx without a chain', { 'x-payment-tx': [tx] }],
    ['a chain without a tx', { 'x-payment-chain': ['base'] }],
    ['a header sent twice', { 'x-payment-tx': [tx, tx], 'x-payment-chain': ['base'] }],
    ['a comma-joined duplicate', { 'x-payment-tx': [`${tx}, ${tx}`], 'x-payment-chain': ['base'] }],
    ['a header of 512 bytes', { 'x-payment-tx': ['a'.repeat(512)], 'x-payment-chain': ['base'] }],
    ['an empty value', { 'x-payment-tx': [''], 'x-payment-chain': ['base'] }],
    ['non-ASCII', { 'x-payment-tx': ['0xé'], 'x-payment-chain': ['base'] }],
    ['an inner space', { 'x-payment-tx': ['0x ab'], 'x-payment-chain': ['base'] }],
    ['a challenge alone', { 'x-payment-challenge': ['c1.a.b'] }],
  ]
  for (const [name, headers] of invalid) {
    it(`rejects ${name}`, () => {
      assert.equal(readPaymentHeaders(headers).kind, 'invalid')
    })
  }
})
