import assert from 'node:assert/strict'
import type { ChallengeContext, PaymentFacts, PaymentRequirement } from '../plugin.js'
import type { PayerChoice } from './choosePayer.js'
import { judgePayer, judgePayment } from './judgePayment.js'
import { isRefusal, refuse } from './refusal.js'

const requirement: PaymentRequirement = {
  asset: {
    standard: 'erc20',
    address: '0x00000000000000000000000000000000000000a1',
    symbol: 'USDC',
    decimals: 6,
  },
  amount: 10_000n,
  payTo: '0x000000000000000000000000000000000000bEEF',
  maxAgeSeconds: 900,
}
const now = 1_700_000_000_000
const nowSeconds = now / 1000
const paid: PaymentFacts = { payer: '0xaa', amount: 10_000n, blockTime: nowSeconds - 10 }
const challenge: ChallengeContext = {
  id: 'c1.test',
  issuedAt: nowSeconds - 30,
  reference: new Uint8Array(32),
}
const judgeAged = (
  facts: Partial<PaymentFacts>,
  terms: {
    challenge?: ChallengeContext
    maxAge?: number
    bindsByReference?: boolean
    offset?: number
    current?: Partial<PaymentRequirement>
  } = {},
) =>
  judgePayment(
    { status: 'confirmed', ...paid, ...facts },
    {
      requirement: { ...requirement, maxAgeSeconds: terms.maxAge ?? 900 },
      challenge: terms.challenge,
      now,
      clockSkewSeconds: 60,
      bindsByReference: terms.bindsByReference,
      chainOffsetSeconds: terms.offset,
      currentRequirement: terms.current && {
        ...requirement,
        maxAgeSeconds: terms.maxAge ?? 900,
        ...terms.current,
      },
    },
  )
const judge = judgeAged
const reason = (judgment: ReturnType<typeof judge> | ReturnType<typeof judgePayer>) =>
  isRefusal(judgment) ? judgment.refuse : judgment.status

describe('judgePayment: the engine alone judges what a plugin reports', () => {
  it('finds a payment of the price, in time, payable by its one payer', () => {
    assert.deepEqual(judge({}), {
      status: 'payable',
      candidates: [{ payer: '0xaa', amount: 10_000n }],
      requirement,
    })
    assert.equal(reason(judge({}, { challenge })), 'payable')
  })

  it('refuses a transaction that lacks the challenge reference as challenge_invalid', () => {
    assert.equal(reason(judge({ referenceSeen: false }, { challenge })), 'challenge_invalid')
    assert.equal(reason(judge({ referenceSeen: true }, { challenge })), 'payable')
    // Without a challenge there is no reference to carry.
    assert.equal(reason(judge({ referenceSeen: false })), 'payable')
  })

  it('refuses, on a chain that binds by reference, a report silent on the reference', () => {
    const byReference = { challenge, bindsByReference: true }
    assert.equal(reason(judge({}, byReference)), 'challenge_invalid')
    assert.equal(reason(judge({ referenceSeen: true }, byReference)), 'payable')
    // A chain that binds otherwise (EVM: the proof) reports nothing about references.
    assert.equal(reason(judge({}, { challenge })), 'payable')
  })

  it('refuses nothing of the asset to payTo as wrong_asset or wrong_recipient, as the chain saw it', () => {
    assert.equal(reason(judge({ amount: 0n, mismatch: 'asset' })), 'wrong_asset')
    assert.equal(reason(judge({ amount: 0n, mismatch: 'recipient' })), 'wrong_recipient')
    assert.equal(reason(judge({ amount: 0n })), 'wrong_recipient')
    assert.equal(reason(judge({ amount: 5n, received: 0n, mismatch: 'asset' })), 'wrong_asset')
  })

  it('refuses less than the price in all as insufficient_amount, one base unit short', () => {
    const short = judge({ amount: 9_999n })
    assert.equal(reason(short), 'insufficient_amount')
    assert.match(isRefusal(short) ? short.message : '', /0\.009999 USDC.*0\.01 USDC/)
    assert.equal(reason(judge({ amount: 10_001n })), 'payable')
  })

  it('counts what payTo received in all, not one payer’s part, before a payer is chosen', () => {
    const transfers = [
      { payer: '0xaa', amount: 4_000n },
      { payer: '0xbb', amount: 6_000n },
    ]
    assert.deepEqual(judge({ transfers }), {
      status: 'payable',
      candidates: transfers,
      requirement,
    })
    assert.equal(reason(judge({ transfers, received: 9_000n })), 'insufficient_amount')
    // Solana: payTo's increase may exceed the sum of the surely-paid shares.
    assert.equal(reason(judge({ transfers: transfers.slice(0, 1), received: 10_000n })), 'payable')
  })

  it('refuses a block older than maxAgeSeconds as tx_too_old, never with the check off', () => {
    assert.equal(reason(judge({ blockTime: nowSeconds - 901 })), 'tx_too_old')
    assert.equal(reason(judge({ blockTime: nowSeconds - 900 })), 'payable')
    assert.equal(reason(judge({ blockTime: nowSeconds - 86_400 }, { maxAge: 0 })), 'payable')
  })

  it('refuses a block older than the challenge, less the clock skew, as tx_too_old', () => {
    const before = (seconds: number) =>
      reason(judge({ blockTime: challenge.issuedAt - seconds }, { challenge, maxAge: 0 }))
    assert.equal(before(61), 'tx_too_old')
    assert.equal(before(60), 'payable')
    const refusal = judge({ blockTime: challenge.issuedAt - 61 }, { challenge, maxAge: 0 })
    assert.match(isRefusal(refusal) ? refusal.message : '', /older than the challenge/)
  })

  it('passes the plugin’s own refusal through, and keeps a pending report pending', () => {
    const terms = { requirement, now, clockSkewSeconds: 60 }
    const failed = { status: 'invalid', reason: 'tx_failed', message: 'Reverted.' } as const
    assert.deepEqual(judgePayment(failed, terms), refuse('tx_failed', 'Reverted.'))
    const pending = { status: 'pending', retryAfterMs: 2000, message: 'Wait.' } as const
    assert.deepEqual(judgePayment(pending, terms), pending)
    const seen = { payer: '0xaa', amount: 10_000n }
    assert.equal(reason(judgePayment({ ...pending, seen }, terms)), 'pending')
  })

  it('never judges a confirmed report without a block time as fresh: it throws (503)', () => {
    for (const blockTime of [Number.NaN, undefined as unknown as number]) {
      assert.throws(() => judge({ blockTime }, { challenge }), TypeError)
    }
  })

  it('refuses at once a pending transaction whose transfer can never pay', () => {
    const terms = { requirement, now, clockSkewSeconds: 60 }
    const pending = { status: 'pending', retryAfterMs: 2000 } as const
    const seen = (amount: bigint) => ({ ...pending, seen: { payer: '0xaa', amount } })
    assert.equal(reason(judgePayment(seen(9_999n), terms)), 'insufficient_amount')
    assert.equal(reason(judgePayment(seen(0n), terms)), 'wrong_recipient')
  })

  it('judges binding before price, price before age', () => {
    const everything = { referenceSeen: false, amount: 1n, blockTime: 0 }
    assert.equal(reason(judge(everything, { challenge })), 'challenge_invalid')
    assert.equal(reason(judge({ amount: 1n, blockTime: 0 })), 'insufficient_amount')
  })
})

describe('judgePayer: the payer a request presents', () => {
  const chosen = (amount: bigint): PayerChoice => ({
    status: 'chosen',
    transfer: { payer: '0xaa', amount },
  })

  it('accepts a chosen payer whose own part pays the price', () => {
    assert.deepEqual(judgePayer(chosen(10_000n), requirement), {
      status: 'accepted',
      transfer: { payer: '0xaa', amount: 10_000n },
    })
  })

  it('refuses a chosen payer whose own part is below the price as insufficient_amount', () => {
    assert.equal(reason(judgePayer(chosen(9_999n), requirement)), 'insufficient_amount')
  })

  it('refuses a proof by nobody who paid as proof_invalid', () => {
    assert.equal(reason(judgePayer({ status: 'proof_invalid' }, requirement)), 'proof_invalid')
  })

  it('refuses several payers without a proof as ambiguous_payer, asking for x-payment-proof', () => {
    const refusal = judgePayer({ status: 'ambiguous_payer', payers: ['0xaa', '0xbb'] }, requirement)
    assert.equal(reason(refusal), 'ambiguous_payer')
    assert.match(isRefusal(refusal) ? refusal.message : '', /2 payers.*x-payment-proof/)
  })
})

describe('judgePayment in the chain’s time', () => {
  describe('age and challenge time (chainOffsetSeconds)', () => {
    // A cluster whose block times run 120 s behind this server (solana #18992, #25668).
    const behind = -120
    it('takes a payment made at once against a fresh challenge, blocks stamped 120 s behind', () => {
      const fresh = { ...challenge, issuedAt: nowSeconds - 1 }
      const blockTime = nowSeconds + behind
      assert.equal(reason(judge({ blockTime }, { challenge: fresh })), 'tx_too_old')
      assert.equal(reason(judge({ blockTime }, { challenge: fresh, offset: behind })), 'payable')
    })

    it('ages a block by the chain’s clock, both ways', () => {
      const blockTime = nowSeconds + behind - 850
      assert.equal(reason(judge({ blockTime })), 'tx_too_old')
      assert.equal(reason(judge({ blockTime }, { offset: behind })), 'payable')
      // A chain ahead of this server ages its blocks sooner.
      assert.equal(reason(judge({ blockTime: nowSeconds - 850 }, { offset: 60 })), 'tx_too_old')
    })

    it('still refuses a transaction older than the challenge by more than the skew, in that frame', () => {
      const fresh = { ...challenge, issuedAt: nowSeconds - 1 }
      const blockTime = nowSeconds - 1 + behind - 61
      assert.equal(reason(judge({ blockTime }, { challenge: fresh, offset: behind })), 'tx_too_old')
    })

    it('believes an offset only up to maxAgeSeconds either way: a head days off is a stale RPC', () => {
      const threeDays = 3 * 24 * 3600
      // A transfer three days old, judged through an RPC whose head is three days old.
      const old = nowSeconds - threeDays
      assert.equal(reason(judge({ blockTime: old }, { offset: -threeDays })), 'tx_too_old')
      assert.equal(reason(judge({ blockTime: old + 600 }, { offset: -threeDays })), 'tx_too_old')
      // Within the bound (maxAge 900), drift is still forgiven.
      assert.equal(reason(judge({ blockTime: nowSeconds - 1_700 }, { offset: -900 })), 'payable')
      // Without an age check the challenge time is judged with the offset bounded at 900 s.
      const fresh = { ...challenge, issuedAt: nowSeconds - 1 }
      const judged = judge({ blockTime: old }, { challenge: fresh, offset: -threeDays, maxAge: 0 })
      assert.equal(reason(judged), 'tx_too_old')
      // A head days ahead does not carry an expired challenge's terms to a later transaction.
      const expired = { ...challenge, issuedAt: nowSeconds - 2_000, expiresAt: nowSeconds - 1_100 }
      const repriced = judge(
        { blockTime: nowSeconds - 10 },
        { challenge: expired, offset: threeDays, current: { amount: 20_000n } },
      )
      assert.equal(reason(repriced), 'insufficient_amount')
    })
  })

  describe('a challenge’s expiry is judged by the block time, not by when it is presented', () => {
    // Issued 2,000 s ago, expired 1,100 s ago: long past its life and any grace.
    const expired: ChallengeContext = {
      ...challenge,
      issuedAt: nowSeconds - 2_000,
      expiresAt: nowSeconds - 1_100,
    }
    const raised = { amount: 20_000n }

    it('honours a transaction that landed before expiry under the challenge’s terms, within maxAgeSeconds of its block', () => {
      const blockTime = expired.expiresAt! - 5
      const judged = judge({ blockTime }, { challenge: expired, maxAge: 1_200, current: raised })
      assert.equal(reason(judged), 'payable')
      assert.equal(
        isRefusal(judged) || judged.status !== 'payable' ? 0n : judged.requirement.amount,
        10_000n,
      )
      // Its own age is still the bound.
      assert.equal(
        reason(judge({ blockTime }, { challenge: expired, maxAge: 1_000 })),
        'tx_too_old',
      )
    })

    it('judges a transaction that landed after expiry by the current terms, never the old ones', () => {
      const blockTime = expired.expiresAt! + 61
      const judge = (facts: Partial<PaymentFacts>, terms: Parameters<typeof judgeAged>[1]) =>
        judgeAged(facts, { maxAge: 0, ...terms })
      // The price went up since: the old price does not pay.
      assert.equal(
        reason(judge({ blockTime }, { challenge: expired, current: raised })),
        'insufficient_amount',
      )
      // Unchanged terms: it pays.
      assert.equal(reason(judge({ blockTime }, { challenge: expired, current: {} })), 'payable')
      // A payee or asset the route no longer takes is refused outright.
      const moved = judge(
        { blockTime },
        { challenge: expired, current: { payTo: '0x00000000000000000000000000000000000000Cc' } },
      )
      assert.equal(reason(moved), 'wrong_recipient')
      const otherAsset = {
        asset: { ...requirement.asset, address: '0x00000000000000000000000000000000000000a2' },
      }
      assert.equal(
        reason(judge({ blockTime }, { challenge: expired, current: otherAsset })),
        'wrong_asset',
      )
      // The price came down: what was paid covers it, judged and chosen by the current terms.
      const lowered = judge(
        { blockTime, amount: 10_000n },
        { challenge: expired, current: { amount: 5_000n } },
      )
      assert.equal(
        isRefusal(lowered) || lowered.status !== 'payable' ? 0n : lowered.requirement.amount,
        5_000n,
      )
    })

    it('places the expiry in the chain’s frame, within clockSkewSeconds', () => {
      const terms = { challenge: expired, current: raised, maxAge: 0 }
      // On a chain 120 s behind this server, a block stamped 20 s before expiry landed 100 s
      // after it: the current terms judge it.
      const late = expired.expiresAt! - 20
      assert.equal(reason(judge({ blockTime: late }, terms)), 'payable')
      assert.equal(
        reason(judge({ blockTime: late }, { ...terms, offset: -120 })),
        'insufficient_amount',
      )
      // One that landed 10 s before expiry is stamped 130 s before it there: in time.
      const early = expired.expiresAt! - 130
      assert.equal(reason(judge({ blockTime: early }, { ...terms, offset: -120 })), 'payable')
      // The skew: up to 60 s past expiry by the block's own time is still in time.
      assert.equal(reason(judge({ blockTime: expired.expiresAt! + 60 }, terms)), 'payable')
      assert.equal(
        reason(judge({ blockTime: expired.expiresAt! + 61 }, terms)),
        'insufficient_amount',
      )
    })
  })
})
