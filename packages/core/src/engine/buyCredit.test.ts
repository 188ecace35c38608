import assert from 'node:assert/strict'
import { memoryLedger } from '../memoryLedger.js'
import { decodeBase64Json } from '../protocol/base64Json.js'
import type { PaymentCredit } from '../protocol/types.js'
import { hash, silent } from '../test/engineSupport.js'
import { scriptedChain, scriptedPayer } from '../testing/scriptedChain.js'
import { createPaymentEngine } from './createPaymentEngine.js'
import type { Outcome } from './outcome.js'

type Paid = Extract<Outcome, { type: 'paid' }>
const creditOf = (outcome: Outcome) => {
  const header = (outcome as { headers?: Record<string, string> }).headers?.['payment-credit']
  return header === undefined ? undefined : decodeBase64Json<PaymentCredit>(header)
}

// A purchase whose response the payer lost: the re-delivery must hand the token back, or the
// pack is paid for and unusable (docs/protocol.md section 7.2).
describe('buyCredit: a re-delivered purchase (docs/protocol.md section 7.2)', () => {
  for (const method of ['GET', 'POST']) {
    it(`${method}: carries PAYMENT-CREDIT with the same token and the balance as it stands`, async () => {
      const chain = scriptedChain()
      // A proof is `sig:<payer>`.
      chain.plugin.verifyProof = async ({ signature, payer }) => signature === `sig:${payer}`
      const engine = createPaymentEngine({
        price: '0.01',
        chains: [chain.plugin],
        ledger: memoryLedger(),
        secret: 'redelivered-credit-secret-at-least-32-bytes',
        logger: silent,
        credit: { packs: ['0.05'] },
      })
      const handle = (headers: Record<string, string>) =>
        engine.handle({
          method,
          path: '/x',
          headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        })
      chain.pay(hash(1), 50_000n)
      const payment = { 'x-payment-tx': hash(1), 'x-payment-chain': 'testnet' }
      const bought = (await handle(payment)) as Paid
      assert.equal(bought.type, 'paid')
      await bought.settle(true, { status: 200, headers: {}, body: new Uint8Array() })
      const token = creditOf(bought)!.token
      const spent = (await handle({ 'x-payment-credit': token })) as Paid
      await spent.settle(true)

      const again = await handle({ ...payment, 'x-payment-proof': `sig:${scriptedPayer}` })
      assert.equal(
        (again as Paid).payment?.redelivered,
        true,
        JSON.stringify((again as { body?: unknown }).body),
      )
      const credit = creditOf(again)
      assert.ok(credit, 'the re-delivery carries PAYMENT-CREDIT')
      assert.equal(credit.token, token)
      assert.equal(credit.remaining, '30000', 'what the balance holds now')
      const next = (await handle({ 'x-payment-credit': credit.token })) as Paid
      assert.equal(next.payment.credit?.remaining, 20_000n)
    })
  }
})
