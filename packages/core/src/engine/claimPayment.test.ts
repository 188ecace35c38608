import assert from 'node:assert/strict'
import { LedgerUnavailableError } from '../errors.js'
import type { Ledger } from '../ledger.js'
import { memoryLedger } from '../memoryLedger.js'
import { attemptOn, silent } from '../test/engineSupport.js'
import { scriptedChain, scriptedPayer } from '../testing/scriptedChain.js'
import { claimPayment } from './claimPayment.js'
import { leaseSettler } from './leaseSettler.js'
import { isRefusal } from './refusal.js'
import type { Claim, Route } from './types.js'

const plugin = scriptedChain().plugin
const attempt = (n: number, challengeId?: string) =>
  attemptOn(
    n,
    plugin,
    challengeId ? { id: challengeId, issuedAt: 0, reference: new Uint8Array(32) } : undefined,
  )
const verified = { payer: scriptedPayer, amount: 10000n }
const request = (method = 'GET') => ({ method, path: '/x', headers: {} })

function claimer(ledger: Ledger, redeliveryWindowMs = 600_000) {
  const route = {
    ledger,
    settler: leaseSettler(ledger, silent),
    logger: silent,
    claimTtlMs: 60_000,
    redeliveryWindowMs,
    maxRedeliveries: 3,
  } as unknown as Route
  return (n: number, method?: string, challengeId?: string) => {
    const { offer, txId, requirement, challenge } = attempt(n, challengeId)
    const payment = {
      chain: offer.plugin.name,
      network: offer.plugin.network,
      id: txId,
      payTo: requirement.payTo,
      asset: requirement.asset,
      challengeId: challenge?.id,
      ...verified,
    }
    return claimPayment(route, { request: request(method), payment, ended: () => {} })
  }
}
const code = (result: object) =>
  isRefusal(result) ? result.refuse : 'type' in result ? result.type : 'claim'

describe('claimPayment (step 4)', () => {
  it('claims a fresh payment (marked, kept alive), and 409s a second request meanwhile', async () => {
    const ledger = memoryLedger()
    const claim = claimer(ledger)
    const first = (await claim(1)) as Claim
    assert.ok(first.lease && first.heartbeat.heldWell())
    assert.equal(code(await claim(1)), 'payment_in_progress')
    first.heartbeat.stop()
    await ledger.commit(first.lease)
    assert.equal(code(await claim(1)), 'tx_already_used', 'a hash alone never re-delivers')
  })

  it('re-delivers a committed payment to the payer who sends its challenge, per method', async () => {
    const ledger = memoryLedger()
    const claim = claimer(ledger)
    for (const [n, method] of [
      [2, 'GET'],
      [3, 'POST'],
    ] as const) {
      const held = (await claim(n, method, 'c-1')) as Claim
      held.heartbeat.stop()
      await ledger.commit(held.lease)
    }
    assert.equal(code(await claim(2, 'GET', 'c-1')), 'paid', 'GET runs again')
    assert.equal(code(await claim(3, 'POST', 'c-1')), 'response_not_stored')
    assert.equal(code(await claim(2, 'GET', 'c-2')), 'tx_already_used', 'another challenge')
    assert.equal(code(await claimer(ledger, 0)(2, 'GET', 'c-1')), 'tx_already_used', 'window 0')
  })

  it('throws the ledger fault after releasing what it took, so nothing stays claimed', async () => {
    const inner = memoryLedger()
    let markDown = true
    const ledger: Ledger = {
      ...inner,
      mark: async (lease, record) => {
        if (markDown) throw new LedgerUnavailableError('down')
        return inner.mark(lease, record)
      },
    }
    await assert.rejects(claimer(ledger)(4), LedgerUnavailableError)
    markDown = false
    assert.equal(code(await claimer(ledger)(4)), 'claim', 'released, so claimable at once')
  })
})
