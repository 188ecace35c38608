import assert from 'node:assert/strict'
import { Connection, Keypair } from '@solana/web3.js'
import { ConfigurationError } from '@tx402/core'
import { memoryJournal } from './journal/memoryJournal.js'
import { resolvePaymentOptions } from './paymentOptions.js'
import { solanaPayer } from './solana/solanaPayer.js'
import { mapStorage } from './test/mapStorage.js'
import { sampleEntry } from './test/sampleEntry.js'

const payer = solanaPayer({
  connection: new Connection('http://127.0.0.1:9'),
  signer: Keypair.generate(),
  network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
})

describe('resolvePaymentOptions', () => {
  it('defaults to a 0.10 cap, a 120 s deadline and one process-wide memory journal', () => {
    const a = resolvePaymentOptions({ payers: [payer] })
    const b = resolvePaymentOptions({ payers: [payer] })
    assert.equal(a.maxAmount, '0.10')
    assert.equal(a.timeoutMs, 120_000)
    assert.equal(a.journal, b.journal)
  })

  it('defaults to a localStorage journal where localStorage exists (browsers)', async () => {
    const storage = mapStorage()
    const global = globalThis as { localStorage?: unknown }
    global.localStorage = storage
    try {
      const { journal } = resolvePaymentOptions({ payers: [payer] })
      assert.equal(resolvePaymentOptions({ payers: [payer] }).journal, journal)
      await journal.put(sampleEntry('c1.reload'))
      assert.ok(storage.map.has('tx402:journal:c1.reload'))
    } finally {
      delete global.localStorage
    }
  })

  it('keeps a given journal, and rejects options that cannot work', () => {
    const journal = memoryJournal()
    assert.equal(resolvePaymentOptions({ payers: [payer], journal }).journal, journal)
    assert.throws(() => resolvePaymentOptions({ payers: [] }), ConfigurationError)
    assert.throws(
      () => resolvePaymentOptions({ payers: [payer], maxAmount: 'all' }),
      ConfigurationError,
    )
    assert.throws(
      () => resolvePaymentOptions({ payers: [payer], timeoutMs: -1 }),
      ConfigurationError,
    )
  })
})
