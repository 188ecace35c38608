import assert from 'node:assert/strict'
import { issueChallenge } from '../../../challenge/challenge.js'
import { challengeKey } from '../../../challenge/challengeKeys.js'
import { memoryLedger } from '../../../memoryLedger.js'
import { hash, silent } from '../../../test/engineSupport.js'
import { scriptedChain } from '../../../testing/scriptedChain.js'
import { buildResponse } from '../../challengeResponse.js'
import { attemptRecord, readSchemeAttempt } from '../../handlePayment.js'
import { isRefusal } from '../../refusal.js'
import { resolveOptions } from '../../resolveOptions.js'
import type { Attempt, PaymentRequest, Refusal, Route, Trace } from '../../types.js'
import { transferScheme } from './transferScheme.js'

/** The pipeline's read (step 1), its decision record in `trace`; a credit token alone as a spend. */
function readAttempt(
  r: Route,
  req: PaymentRequest,
  trace: Trace,
): Attempt | Refusal | { spend: string } {
  const read = readSchemeAttempt(r, req)
  if (isRefusal(read)) {
    Object.assign(trace, read.seen)
    return read
  }
  Object.assign(trace, attemptRecord(read.attempt))
  return read.attempt as Attempt
}

const secret = 'read-attempt-secret-at-least-32-bytes!!'
const route = (binding: 'reference' | 'none' = 'none') =>
  resolveOptions({
    price: '0.01',
    chains: [scriptedChain({ binding }).plugin],
    ledger: memoryLedger(),
    secret,
    logger: silent,
  })
const request = (headers: Record<string, string>) => ({
  method: 'GET',
  path: '/x',
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
})

describe('readAttempt (step 1)', () => {
  it('reads the offer, the canonical id and the requirement, and traces them', () => {
    const trace: Trace = {}
    const attempt = readAttempt(
      route(),
      request({
        'x-payment-tx': hash(1).toUpperCase().replace('0X', ''),
        'x-payment-chain': 'TESTNET',
      }),
      trace,
    )
    assert.ok(!isRefusal(attempt) && !('spend' in attempt))
    assert.equal(attempt.txId, hash(1))
    assert.equal(attempt.requirement.amount, 10000n)
    assert.equal(attempt.challenge, undefined)
    assert.deepEqual(trace, { chain: 'testnet', network: 'eip155:31337', transaction: hash(1) })
  })

  it('refuses what the route cannot take, each with its code', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'payment_required'],
      [{ 'x-payment-tx': hash(1) }, 'invalid_payment_headers'],
      [{ 'x-payment-tx': hash(1), 'x-payment-chain': 'solana' }, 'invalid_payment_headers'],
      [{ 'x-payment-tx': '0x12', 'x-payment-chain': 'testnet' }, 'invalid_payment_headers'],
      [
        { 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet', 'x-payment-challenge': 'c2.x.y' },
        'challenge_invalid',
      ],
    ]
    for (const [headers, code] of cases) {
      const refusal = readAttempt(route(), request(headers), {})
      assert.equal(isRefusal(refusal) && refusal.refuse, code, JSON.stringify(headers))
    }
  })

  it('reads a credit token alone as a spend, and with a payment as a top-up', () => {
    // Not the transfer's: the credit scheme reads it (and checks it, docs/protocol.md 7.3).
    const alone = request({ 'x-payment-credit': 'k1.abc.def' })
    assert.equal(transferScheme(route()).read(alone), undefined)
    const spend = readAttempt(route(), alone, {})
    assert.equal(isRefusal(spend) && spend.refuse, 'invalid_payment_headers')
    const topUp = readAttempt(
      route(),
      request({
        'x-payment-tx': hash(1),
        'x-payment-chain': 'testnet',
        'x-payment-credit': 'k1.x',
      }),
      {},
    )
    assert.ok(!isRefusal(topUp) && !('spend' in topUp))
    assert.equal(topUp.credit, 'k1.x')
    const twice = readAttempt(
      route(),
      { ...request({}), headers: { 'x-payment-credit': ['a', 'b'] } },
      {},
    )
    assert.equal(isRefusal(twice) && twice.refuse, 'invalid_payment_headers')
  })

  it('demands the challenge a reference-bound chain needs, and verifies the one sent', () => {
    const bound = route('reference')
    const bare = readAttempt(
      bound,
      request({ 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet' }),
      {},
    )
    assert.equal(isRefusal(bare) && bare.refuse, 'challenge_invalid')
    const { id } = challengeOf(bound)
    const attempt = readAttempt(
      bound,
      request({ 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet', 'x-payment-challenge': id }),
      {},
    )
    assert.ok(!isRefusal(attempt) && !('spend' in attempt))
    assert.equal(attempt.challenge?.id, id)
  })

  it('reads a challenge of this route long past its expiry, for the judge to place its expiry against the block time', () => {
    const bound = route('reference')
    const day = 24 * 3600
    const { id } = issueChallenge(challengeKey(secret), {
      method: 'GET',
      path: '/x',
      ttlSeconds: 900,
      now: Date.now() - day * 1000,
    })
    const headers = { 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet' }
    const attempt = readAttempt(bound, request({ ...headers, 'x-payment-challenge': id }), {})
    assert.ok(!isRefusal(attempt) && !('spend' in attempt))
    const { issuedAt, expiresAt } = attempt.challenge!
    assert.equal(expiresAt, issuedAt + 900)
    // Another route's binds the payment but brings no terms (docs/protocol.md section 2, the
    // realm rule): the route's own requirement judges it.
    const other = issueChallenge(challengeKey(secret), {
      method: 'GET',
      path: '/y',
      ttlSeconds: 900,
    })
    const bindsOnly = readAttempt(
      bound,
      request({ ...headers, 'x-payment-challenge': other.id }),
      {},
    )
    assert.ok(!isRefusal(bindsOnly) && !('spend' in bindsOnly))
    assert.equal(bindsOnly.challenge?.id, other.id)
    assert.equal(bindsOnly.requirement, bindsOnly.offer.requirement)
    // A tampered one is refused.
    const tampered = readAttempt(
      bound,
      request({ ...headers, 'x-payment-challenge': `${other.id.slice(0, -2)}AA` }),
      {},
    )
    assert.equal(isRefusal(tampered) && tampered.refuse, 'challenge_invalid')
    const foreign = issueChallenge(challengeKey(`another-${secret}`), {
      method: 'GET',
      path: '/x',
      ttlSeconds: 900,
    })
    const refused = readAttempt(
      bound,
      request({ ...headers, 'x-payment-challenge': foreign.id }),
      {},
    )
    assert.equal(isRefusal(refused) && refused.refuse, 'challenge_invalid')
  })
})

/** The challenge a 402 of this route carries for `GET /x`. */
function challengeOf(r: ReturnType<typeof route>) {
  const response = buildResponse(r.terms, { method: 'GET', path: '/x' }, 'payment_required', 'Pay.')
  return (response.body as { challenge: { id: string } }).challenge
}
