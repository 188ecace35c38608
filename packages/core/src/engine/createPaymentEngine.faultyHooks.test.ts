import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import { confirmed, countingChain, hash, request, status } from '../test/engineSupport.js'
import { createPaymentEngine } from './createPaymentEngine.js'

const secret = 'faulty-hooks-secret-at-least-32-bytes!!'
const boom = () => {
  throw new Error('boom')
}

describe('engine with faulty observers, loggers, hooks and plugins', () => {
  it('serves and consumes a payment although the observer, logger and onPaid all throw', async () => {
    const chain = countingChain(confirmed)
    const ledger = memoryLedger()
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger,
      secret,
      logger: { info: boom, warn: boom, error: boom },
      observer: { decision: boom, verification: boom, fault: boom, inFlight: boom },
      onPaid: boom,
      onRejected: boom,
    })
    const outcome = await engine.handle(request(hash(1)))
    assert.equal(outcome.type, 'paid')
    if (outcome.type === 'paid') assert.equal(await outcome.finish(true), undefined)
    assert.equal(ledger.records().length, 1)
    assert.equal(status(await engine.handle(request(hash(1)))), 402)
  })

  it('writes through a logger whose methods live on its prototype, as pino does', async () => {
    const lines: string[] = []
    class PrototypeLogger {
      info(_: object, message?: string) {
        lines.push(message ?? '')
      }
      warn() {}
      error() {}
    }
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [countingChain(confirmed).plugin],
      ledger: memoryLedger(),
      secret,
      logger: new PrototypeLogger(),
    })
    const outcome = await engine.handle(request(hash(2)))
    if (outcome.type === 'paid') await outcome.finish(true)
    assert.deepEqual(lines, ['tx402: payment decision'])
  })

  it('answers 503, never throws, when a plugin fails where the engine expects no failure', async () => {
    const chain = countingChain(async () => ({
      status: 'invalid',
      reason: 'wrong_recipient',
      message: 'Elsewhere.',
    }))
    chain.plugin.acceptsFields = boom
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger: memoryLedger(),
      secret,
      logger: { info() {}, warn() {}, error() {} },
    })
    // Building the 402 of a refused transaction calls acceptsFields.
    assert.equal(status(await engine.handle(request(hash(3)))), 503)
  })
})
