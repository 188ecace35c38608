import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import { countingChain, engineOn, hash, request, silent, status } from '../test/engineSupport.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { PaymentDecision } from './observer.js'

const secret = 'limits-test-secret-at-least-32-bytes!!'

/** An engine on a chain answering `verdict()`, with the memory ledger and `extra` options. */
function engineFor(
  verdict: Parameters<typeof countingChain>[0],
  extra: Partial<Parameters<typeof createPaymentEngine>[0]> = {},
) {
  const chain = countingChain(verdict)
  return { chain, engine: engineOn(chain.plugin, extra) }
}

/** An engine whose verifications all wait until `open()`, with a cap of `max`. */
function gatedEngine(max: number) {
  let open!: () => void
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  const { chain, engine } = engineFor(
    async () => {
      await gate
      return { status: 'invalid', reason: 'wrong_recipient', message: 'Elsewhere.' }
    },
    { limits: { maxConcurrentVerifications: max } },
  )
  return { chain, engine, open }
}

describe('engine limits on unpaid verification work', () => {
  it('answers a repeated unknown transaction from the negative cache, without RPC', async () => {
    const { chain, engine } = engineFor(async () => ({
      status: 'invalid',
      reason: 'tx_not_found',
      message: 'Not found.',
    }))
    for (let i = 0; i < 5; i++) {
      const outcome = await engine.handle(request(hash(1)))
      assert.equal(outcome.type === 'error' && outcome.body.error, 'tx_not_found')
      // Says when the server will look again, so a payer whose RPC is ahead retries then.
      assert.ok(outcome.type === 'error' && Number(outcome.headers['retry-after']) >= 4)
    }
    assert.equal(chain.calls.length, 1)
  })

  it('caps concurrent verifications per chain with 429 rate_limited and Retry-After', async () => {
    const { chain, engine, open } = gatedEngine(3)
    const pending = [1, 2, 3].map((n) => engine.handle(request(hash(n))))
    await new Promise((resolve) => setTimeout(resolve, 20))
    const flood = await engine.handle(request(hash(4)))
    assert.equal(status(flood), 429)
    assert.equal(flood.type === 'error' && flood.body.error, 'rate_limited')
    assert.equal(flood.type === 'error' && flood.headers['retry-after'], '1')
    open()
    await Promise.all(pending)
    assert.equal(chain.calls.length, 3)
    assert.equal(status(await engine.handle(request(hash(4)))), 402, 'room again once they finish')
  })

  it('holds the cap against a burst that arrives together, while the ledger is still answering', async () => {
    const { chain, engine, open } = gatedEngine(3)
    // Started in one tick: every request reaches the cap before any ledger lookup has answered.
    const burst = Array.from({ length: 10 }, (_, n) => engine.handle(request(hash(n + 1))))
    await new Promise((resolve) => setTimeout(resolve, 20))
    open()
    const statuses = (await Promise.all(burst)).map(status)
    assert.equal(chain.calls.length, 3)
    assert.deepEqual(statuses.sort(), [402, 402, 402, 429, 429, 429, 429, 429, 429, 429])
    assert.equal(status(await engine.handle(request(hash(11)))), 402, 'every slot was given back')
  })

  it('limits attempts per client when configured, leaving other clients alone', async () => {
    const { chain, engine } = engineFor(
      async () => ({
        status: 'invalid',
        reason: 'wrong_recipient',
        message: 'Elsewhere.',
      }),
      {
        limits: { perClient: { max: 2, windowMs: 60_000 } },
      },
    )
    assert.equal(status(await engine.handle(request(hash(1), 'a'))), 402)
    assert.equal(status(await engine.handle(request(hash(2), 'a'))), 402)
    const third = await engine.handle(request(hash(3), 'a'))
    assert.equal(status(third), 429)
    assert.ok(Number(third.type === 'error' && third.headers['retry-after']) >= 59)
    assert.equal(status(await engine.handle(request(hash(3), 'b'))), 402)
    assert.equal(chain.calls.length, 3)
  })

  it('reports one decision per request with payment headers to the observer, logger and hooks', async () => {
    const chain = countingChain(async () => ({
      status: 'confirmed',
      payer: '0xpayer',
      amount: 10000n,
      blockTime: Math.floor(Date.now() / 1000),
    }))
    const decisions: PaymentDecision[] = []
    const lines: object[] = []
    const paid: string[] = []
    const rejected: string[] = []
    const engine = createPaymentEngine({
      price: '0.01',
      chains: [chain.plugin],
      ledger: memoryLedger(),
      secret,
      logger: { ...silent, info: (line) => lines.push(line) },
      observer: { decision: (d) => decisions.push(d) },
      onPaid: (receipt) => {
        paid.push(receipt.transaction)
      },
      onRejected: (decision) => {
        rejected.push(decision.outcome)
      },
    })
    await engine.handle({ ...request(hash(1)), headers: {} })
    const outcome = await engine.handle(request(hash(1)))
    assert.equal(outcome.type, 'paid')
    if (outcome.type === 'paid') await outcome.finish(true)
    await engine.handle(request(hash(1)))
    assert.deepEqual(
      decisions.map((d) => [d.outcome, d.status, d.transaction, d.payer ?? null]),
      [
        ['served', 200, hash(1), '0xpayer'],
        // The chain is read first (the payer is part of the payment's key), so a replay names it.
        ['tx_already_used', 402, hash(1), '0xpayer'],
      ],
    )
    assert.equal(lines.length, 2)
    assert.deepEqual(paid, [hash(1)])
    assert.deepEqual(rejected, ['tx_already_used'])
    assert.doesNotMatch(JSON.stringify(lines), /secret/)
  })
})
