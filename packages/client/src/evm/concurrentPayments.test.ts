import assert from 'node:assert/strict'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { type EvmEnv, startEvmEnv, usdcOnAnvil } from '../test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from '../test/paidApp.js'

describe('evmPayer: concurrent calls from one local account (no viem nonceManager) never collide (anvil)', function () {
  this.timeout(120_000)
  let env: EvmEnv
  const apps: PaidApp[] = []

  before(async () => {
    // A payer account of its own: the evmEnv payer is a plain privateKeyToAccount account.
    env = await startEvmEnv(8453, 5)
    assert.equal((env.payerAccount as { nonceManager?: unknown }).nonceManager, undefined)
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })

  it('serves 8 calls at once, 5 rounds: every call served, 8 transfers a round', async () => {
    // Several rounds: one round of the old code collided in about half the runs.
    for (let round = 0; round < 5; round++) {
      const payTo = env.freshPayTo()
      const app = await startPaidApp({
        chains: [usdcOnAnvil(env, payTo)],
      })
      apps.push(app)
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () =>
          callPaidEndpoint(app.url, {}, { payers: [env.payer], journal: memoryJournal() }),
        ),
      )
      const failed = outcomes.filter((o) => o.status === 'rejected')
      assert.deepEqual(
        failed.map((o) => String((o as PromiseRejectedResult).reason).split('\n')[0]),
        [],
        `round ${round}`,
      )
      const paidWith = outcomes.map(
        (o) => paymentResponse((o as PromiseFulfilledResult<Response>).value.headers).transaction,
      )
      const onChain = (await env.transfersTo(payTo)).map((t) => t.transactionHash)
      assert.equal(new Set(paidWith).size, 8, `round ${round}`)
      assert.deepEqual([...onChain].sort(), [...paidWith].sort(), `round ${round}`)
    }
  })
})
