import assert from 'node:assert/strict'
import type { VerifyResult } from '../../../plugin.js'
import { attemptOn, hash } from '../../../test/engineSupport.js'
import { scriptedChain, scriptedPayer } from '../../../testing/scriptedChain.js'
import { isRefusal } from '../../refusal.js'
import { verifyOnChain } from './verifyOnChain.js'

const now = () => Math.floor(Date.now() / 1000)

/** Verifies one transaction whose verdict is `verdict`, against a challenge issued at `issuedAt`. */
async function judge(verdict: VerifyResult | Error, issuedAt?: number) {
  const chain = scriptedChain()
  chain.set(hash(1), verdict)
  const results: string[] = []
  const attempt = attemptOn(
    1,
    chain.plugin,
    issuedAt === undefined ? undefined : { id: 'c', issuedAt, reference: new Uint8Array(32) },
  )
  const observer = { verification: (_: string, result: string) => void results.push(result) }
  const verified = await verifyOnChain({ observer, skewSeconds: 60 }, { attempt })
  return { verified, results }
}
const confirmed = (amount: bigint, blockTime = now()) => ({
  status: 'confirmed' as const,
  payer: scriptedPayer,
  amount,
  blockTime,
})

describe('verifyOnChain (step 3)', () => {
  it("returns the payer and amount of a confirmed payment, counted by the plugin's verdict", async () => {
    const facts = confirmed(12000n)
    const { verified, results } = await judge(facts)
    assert.deepEqual(verified, { payer: scriptedPayer, amount: 12000n, facts })
    assert.deepEqual(results, ['confirmed'])
  })

  it('judges what the plugin reported: pending, its refusal, under the price, before the challenge', async () => {
    const cases: Array<[VerifyResult, number | undefined, string]> = [
      [{ status: 'pending', retryAfterMs: 1 }, undefined, 'payment_pending'],
      [{ status: 'invalid', reason: 'wrong_asset', message: 'No.' }, undefined, 'wrong_asset'],
      [confirmed(9999n), undefined, 'insufficient_amount'],
      [confirmed(10000n, now() - 3600), now(), 'tx_too_old'],
      [
        {
          ...confirmed(20000n),
          transfers: [
            { payer: '0xa', amount: 10000n },
            { payer: '0xb', amount: 10000n },
          ],
        },
        undefined,
        'ambiguous_payer',
      ],
    ]
    for (const [verdict, issuedAt, code] of cases) {
      const { verified } = await judge(verdict, issuedAt)
      assert.equal(isRefusal(verified) && verified.refuse, code)
    }
    const { verified: skewed } = await judge(confirmed(10000n, now() - 30), now())
    assert.ok(!isRefusal(skewed), 'within the clock skew')
    const { verified: pending } = await judge({ status: 'pending', retryAfterMs: 1 })
    assert.equal(isRefusal(pending) && pending.retryAfterSeconds, 1, 'at least one second')
  })

  it('refuses a challenge on a chain binding by reference when the plugin is silent on it', async () => {
    const chain = scriptedChain()
    chain.set(hash(1), confirmed(10000n))
    const challenge = { id: 'c', issuedAt: now(), reference: new Uint8Array(32) }
    const byReference = { ...chain.plugin, binding: 'reference' as const }
    const observer = {}
    const silent = await verifyOnChain(
      { observer, skewSeconds: 60 },
      { attempt: attemptOn(1, byReference, challenge) },
    )
    assert.equal(isRefusal(silent) && silent.refuse, 'challenge_invalid')
    chain.set(hash(1), { ...confirmed(10000n), referenceSeen: true })
    const seen = await verifyOnChain(
      { observer, skewSeconds: 60 },
      { attempt: attemptOn(1, byReference, challenge) },
    )
    assert.ok(!isRefusal(seen))
  })

  it('throws the fault of the plugin (the caller answers 503), counted as a fault', async () => {
    const chain = new Error('RPC down')
    await assert.rejects(judge(chain), /RPC down/)
  })
})
