import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  decodeBase64Json,
  type Ledger,
  type PaymentCredit,
  type PaymentResponse,
} from '@tx402/core'
import { describeWithServices } from '@tx402/testing/services'
import { type AnvilCredit, listenCreditApp, startAnvilCredit } from './test/credit/anvilCredit.js'
import type { CreditAppOptions } from './test/credit/creditApp.js'
import { assertSettledTo } from './test/credit/creditBalance.js'
import { payOnAnvil } from './test/delivery/anvilPayment.js'
import { bothLedgers } from './test/ledgersUnderTest.js'

// One ledger, two versions of the API on one origin, as during a rolling deploy or a secret
// rotation (docs/protocol.md 7.2): what the first version sold, the next one honours.
const oldSecret = 'credit-versions-old-secret-at-least-32-bytes'
const newSecret = 'credit-versions-new-secret-at-least-32-bytes'
const ledgers = bothLedgers(`tx402versions:${randomBytes(4).toString('hex')}:`, {
  reconcileEveryMs: 0,
})

const creditOf = (response: Response) => {
  const header = response.headers.get('payment-credit')
  return header ? decodeBase64Json<PaymentCredit>(header) : undefined
}
const receiptOf = (response: Response) =>
  decodeBase64Json<PaymentResponse>(response.headers.get('payment-response')!)

for (const kind of ledgers) {
  describeWithServices(
    `credit across two versions of the API, on ${kind.name}`,
    kind.services,
    function () {
      this.timeout(120_000)
      let lab: AnvilCredit
      let ledger: Ledger & { close(): Promise<void> }
      const running: { close(): Promise<void> }[] = []
      // Each version in turn on the same loopback port: the payer sees one origin.
      let port = 0
      const version = async (options: Omit<CreditAppOptions, 'chain' | 'ledger'>) => {
        await Promise.all(running.splice(0).map((app) => app.close()))
        // Let fetch's pool see the closed connections, or it sends the next request on one.
        await sleep(200)
        const app = await listenCreditApp({ chain: lab.chain(), ledger, ...options }, port)
        port = (app.server.address() as { port: number }).port
        running.push(app)
        return app
      }
      const settled = (token: string, remaining: bigint) =>
        assertSettledTo(ledger, token, remaining)
      /** Pays `amount` against the challenge of `url` (dev account 1): the headers to present. */
      const pay = async (url: string, amount: bigint) =>
        (await payOnAnvil(lab, url, { amount })).headers

      before(async () => {
        lab = await startAnvilCredit()
        ledger = await kind.make()
        await ledger.ready?.()
      })
      after(async () => {
        await Promise.all(running.splice(0).map((app) => app.close()))
        await ledger?.close()
        await lab?.close()
      })

      it('re-delivers a purchase after a secret rotation with its token, which then spends', async () => {
        const before = await version({ secret: oldSecret })
        const headers = await pay(before.url, 110_000n)
        const bought = await fetch(before.url, { headers })
        assert.equal(bought.status, 200)
        await bought.arrayBuffer()
        const first = creditOf(bought)!
        await settled(first.token, 100_000n)

        // Rotated as README says: the new secret first, the old one kept to verify.
        const rotated = await version({ secret: [newSecret, oldSecret] })
        const again = await fetch(rotated.url, { headers })
        assert.equal(again.status, 200, await again.clone().text())
        assert.equal(receiptOf(again).redelivered, true)
        const credit = creditOf(again)
        assert.ok(credit, 'the re-delivered purchase carries PAYMENT-CREDIT')
        assert.equal(credit.remaining, '100000')
        assert.equal(credit.charged, '0')
        await again.arrayBuffer()

        const spent = await fetch(rotated.url, { headers: { 'x-payment-credit': credit.token } })
        assert.equal(spent.status, 200, await spent.clone().text())
        assert.equal(creditOf(spent)?.remaining, '90000')
        await spent.arrayBuffer()
        // The token the first version handed out spends the same balance.
        const old = await fetch(rotated.url, { headers: { 'x-payment-credit': first.token } })
        assert.equal(old.status, 200)
        assert.equal(creditOf(old)?.remaining, '80000')
        await old.arrayBuffer()
        await settled(credit.token, 80_000n)
      })

      it('serves a payment of an older, higher price that equals a pack today as a plain payment, never 503', async () => {
        // The old version: 1.00 a request (its packs above that). The new one: 0.10, packs ['1.00'].
        const before = await version({ secret: oldSecret, price: '1.00', packs: ['2.00'] })
        const headers = await pay(before.url, 1_000_000n)
        const after = await version({ secret: oldSecret, price: '0.10', packs: ['1.00'] })
        const served = await fetch(after.url, { headers })
        assert.equal(served.status, 200, await served.clone().text())
        assert.equal(creditOf(served), undefined, 'nothing left to grant: no PAYMENT-CREDIT')
        const receipt = receiptOf(served)
        assert.equal(receipt.amount, '1000000')
        assert.equal(receipt.creditRemaining, undefined)
        await served.arrayBuffer()
        // It is consumed: the same headers again are a re-delivery, not a 503 nor a second grant.
        let again = await fetch(after.url, { headers })
        for (let i = 0; i < 20 && again.status === 409; i++) {
          await again.arrayBuffer()
          await sleep(100)
          again = await fetch(after.url, { headers })
        }
        assert.equal(again.status, 200, await again.clone().text())
        assert.equal(receiptOf(again).redelivered, true)
        assert.equal(creditOf(again), undefined)
        await again.arrayBuffer()
      })
    },
  )
}
