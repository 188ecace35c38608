import assert from 'node:assert/strict'
import type { CreditLedger } from '../credit.js'
import { ConfigurationError } from '../errors.js'
import { memoryLedger } from '../memoryLedger.js'
import type { PaymentRequiredBody } from '../protocol/types.js'
import { engineOn, silent } from '../test/engineSupport.js'
import { scriptedChain } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { RouteCredit } from './creditOffer.js'

// Only the setup reads `credit` here: a ledger whose credit half is never called.
const withCredit = () => ({ ...memoryLedger(), credit: {} as CreditLedger })
const setUp = (credit: unknown, ledger = withCredit()) =>
  engineOn(scriptedChain().plugin, { ledger, credit: credit as RouteCredit })

describe('credit offers (docs/protocol.md section 7.1)', () => {
  it('advertises packs per offer in base units, ascending, with scope and expiry, on every 402', async () => {
    const engine = setUp({ packs: ['5', '1.5'], expiresInSeconds: 60, scope: 'weather' })
    const outcome = await engine.handle({ method: 'GET', path: '/x', headers: {} })
    assert.equal(outcome.type, 'payment_required')
    const body = (outcome as { body: PaymentRequiredBody }).body
    assert.deepEqual(body.accepts[0]!.credit, {
      packs: ['1500000', '5000000'],
      expiresInSeconds: 60,
      scope: 'weather',
    })
  })

  it('takes packs in base units per chain, and leaves accepts alone without credit', async () => {
    const chain = scriptedChain()
    const engine = engineOn(chain.plugin, {
      ledger: withCredit(),
      credit: { packs: ['1'], amounts: { testnet: [20_000n] } },
    })
    const outcome = await engine.handle({ method: 'GET', path: '/x', headers: {} })
    const body = (outcome as { body: PaymentRequiredBody }).body
    assert.deepEqual(body.accepts[0]!.credit?.packs, ['20000'])
    const plain = await engineOn(chain.plugin).handle({ method: 'GET', path: '/x', headers: {} })
    assert.equal((plain as { body: PaymentRequiredBody }).body.accepts[0]!.credit, undefined)
  })

  const refusals: Array<[string, unknown, RegExp]> = [
    ['a pack at the price', { packs: ['0.01'] }, /not above the price/],
    ['a pack with too many decimals', { packs: ['0.0000001'] }, /does not fit USDC/],
    ['no packs', { packs: [] }, /at least one amount/],
    ['an unknown key', { packs: ['1'], expiresIn: 5 }, /Unknown option "credit.expiresIn"/],
    ['a bad expiry', { packs: ['1'], expiresInSeconds: 1.5 }, /expiresInSeconds/],
    // 1e13 s from now is past the last valid Date: every purchase would have failed.
    ['an expiry past any date', { packs: ['1'], expiresInSeconds: 1e13 }, /expiresInSeconds/],
    ['a bad scope', { packs: ['1'], scope: 'a b' }, /credit.scope/],
    ['an unknown chain', { packs: ['1'], amounts: { base: [1n] } }, /credit.amounts.base/],
    ['a number amount', { packs: ['1'], amounts: { testnet: [5] } }, /bigints/],
  ]
  for (const [what, credit, message] of refusals) {
    it(`refuses ${what} at setup`, () => {
      assert.throws(
        () => setUp(credit),
        (error: Error) => {
          assert.ok(error instanceof ConfigurationError)
          assert.match(error.message, message)
          return true
        },
      )
    })
  }

  it('refuses credit on a ledger that keeps no balances', () => {
    const { credit: _kept, ...noCredit } = memoryLedger() as ReturnType<typeof withCredit>
    assert.throws(
      () =>
        createPaymentEngine({
          price: '0.01',
          chains: [scriptedChain().plugin],
          ledger: noCredit,
          secret: 'credit-test-secret-at-least-32-bytes!!!',
          logger: silent,
          credit: { packs: ['1'] },
        }),
      /needs a ledger that keeps credit/,
    )
  })
})
