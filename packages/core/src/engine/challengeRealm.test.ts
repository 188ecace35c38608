import assert from 'node:assert/strict'
import { ConfigurationError } from '../errors.js'
import { memoryLedger } from '../memoryLedger.js'
import type { PaymentRequiredBody } from '../protocol/types.js'
import { hash, silent } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { Outcome } from './outcome.js'
import type { PaymentEngineOptions, PaymentRequest } from './types.js'

// docs/protocol.md section 2: a challenge names its realm (origin and full path, or the `realm`
// option); its terms are honoured only there, elsewhere it binds the payment and the route's
// own terms judge it.
describe('challenge realm', () => {
  const secret = 'realm-test-secret-of-at-least-32-bytes!!'
  const chain = scriptedChain()
  const engine = (price: string, more: Partial<PaymentEngineOptions> = {}) =>
    createPaymentEngine({
      price,
      asset: 'USDC',
      secret,
      logger: silent,
      chains: [chain.plugin],
      ledger: memoryLedger(),
      ...more,
    })
  const at = (origin: string, path: string, headers: Record<string, string> = {}) =>
    ({
      method: 'GET',
      path,
      origin,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    }) satisfies PaymentRequest
  const challengeOf = async (e: ReturnType<typeof engine>, request: PaymentRequest) =>
    ((await e.handle(request)) as { body: PaymentRequiredBody }).body.challenge.id
  const kind = (outcome: Outcome) =>
    outcome.type === 'error' ? (outcome.body as { error: string }).error : outcome.type
  const paid = (tx: string, challenge: string) => ({
    'x-payment-tx': tx,
    'x-payment-chain': 'testnet',
    'x-payment-challenge': challenge,
  })

  it('honours an old price only in the realm that issued it: same origin and full path', async () => {
    const before = engine('0.01')
    const after = engine('0.10')
    const challenge = await challengeOf(before, at('http://a.test', '/cheap/data'))
    chain.pay(hash(1), 10_000n)
    const same = await after.handle(at('http://a.test', '/cheap/data', paid(hash(1), challenge)))
    assert.equal(kind(same), 'paid')
    chain.pay(hash(2), 10_000n)
    for (const [origin, path] of [
      ['http://a.test', '/premium/data'],
      ['http://b.test', '/cheap/data'],
    ] as const) {
      const other = await after.handle(at(origin, path, paid(hash(2), challenge)))
      assert.equal(kind(other), 'insufficient_amount', `${origin}${path}`)
    }
  })

  it('binds a payment with a challenge of another realm and serves it when the route’s own terms are met', async () => {
    const route = engine('0.01')
    const challenge = await challengeOf(route, at('http://a.test', '/old'))
    chain.pay(hash(3), 10_000n)
    const moved = await route.handle(at('http://a.test', '/new', paid(hash(3), challenge)))
    assert.equal(kind(moved), 'paid')
  })

  it('names the realm option instead of the request, for apps behind a path-rewriting proxy', async () => {
    const realm = 'https://api.example.com/v1/weather'
    const before = engine('0.01', { realm })
    const after = engine('0.10', { realm })
    const challenge = await challengeOf(before, at('http://10.0.0.5:3000', '/weather'))
    chain.pay(hash(4), 10_000n)
    const same = await after.handle(
      at('http://10.0.0.6:3000', '/weather', paid(hash(4), challenge)),
    )
    assert.equal(kind(same), 'paid')
    chain.pay(hash(5), 10_000n)
    const unnamed = await engine('0.10').handle(
      at('http://10.0.0.5:3000', '/weather', paid(hash(5), challenge)),
    )
    assert.equal(kind(unnamed), 'insufficient_amount')
  })

  it('refuses a realm that is not an absolute http(s) URL at setup', () => {
    for (const realm of ['/v1/weather', 'ftp://a.test/x', 'https://a.test/x?q=1']) {
      assert.throws(() => engine('0.01', { realm }), ConfigurationError, realm)
    }
  })
})
