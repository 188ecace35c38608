import assert from 'node:assert/strict'
import { paymentKey } from '@tx402/core'
import { InvalidLedgerKeyError } from './errors.js'
import { parsePaymentKey } from './parsePaymentKey.js'

describe('parsePaymentKey', () => {
  it('splits a key made by paymentKey back into network and tx id', () => {
    const evm = paymentKey('eip155:8453', `0x${'ab'.repeat(32)}`)
    assert.deepEqual(parsePaymentKey(evm), {
      network: 'eip155:8453',
      txId: `0x${'ab'.repeat(32)}`,
    })
    const sol = paymentKey(
      'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
      '5VERv8NMvzbJMEkV8xnrLkEaWRtSz',
    )
    assert.deepEqual(parsePaymentKey(sol), {
      network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
      txId: '5VERv8NMvzbJMEkV8xnrLkEaWRtSz',
    })
  })

  it('rejects keys without a namespace, reference or tx id', () => {
    for (const key of ['', 'abc', 'eip155:8453', 'eip155:8453:', ':8453:0x1', 'eip155::0x1']) {
      assert.throws(() => parsePaymentKey(key), InvalidLedgerKeyError, key)
    }
  })
})
