import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeBase64Json, type Ledger, type PaymentCredit } from '@tx402/core'
import { describeWithServices } from '@tx402/testing/services'
import { type AnvilCredit, payFor, startAnvilCredit } from './test/credit/anvilCredit.js'
import { payOnAnvil, readThenDrop, receiptOf } from './test/delivery/anvilPayment.js'
import {
  chunk,
  chunkCount,
  largeBodyBytes,
  listenDeliveryApp,
} from './test/delivery/deliveryApp.js'
import {
  bothLedgers,
  redisPostgresServices,
  redisPostgresUnderTest,
} from './test/ledgersUnderTest.js'

// Charged exactly once for what was served (docs/protocol.md section 6), over real HTTP, paid on
// anvil, on both real ledgers: a route that writes ctx.res itself, re-delivery of the same answer
// only and within its bound, and a stream the client leaves mid-body.
const secret = 'delivery-suite-secret-at-least-32-bytes!'
const keyPrefix = `tx402delivery:${randomBytes(4).toString('hex')}:`
const ledgers = bothLedgers(keyPrefix)
const wholeBody = Array.from({ length: chunkCount }, (_, n) => chunk(n)).join('')
const errorOf = async (response: Response) => ((await response.json()) as { error?: string }).error

/** Presents a payment again while its last request's commit is still landing (409). */
async function present(url: string, headers: Record<string, string>): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(url, { headers })
    if (response.status !== 409 || attempt === 50) return response
    await response.arrayBuffer()
    await sleep(50)
  }
}

/** GETs `url` with `headers`, Host among them (fetch sends its own): status, body, redelivered. */
function getAs(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string; redelivered: boolean }>((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (text: string) => {
        body += text
      })
      res.on('end', () => {
        const receipt = res.headers['payment-response']
        const redelivered =
          typeof receipt === 'string' &&
          decodeBase64Json<{ redelivered?: boolean }>(receipt).redelivered === true
        resolve({ status: res.statusCode ?? 0, body, redelivered })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/** How each of `count` presentations ended: `served`, `redelivered` or the error code. */
async function presentTimes(url: string, headers: Record<string, string>, count: number) {
  const endings: string[] = []
  for (let i = 0; i < count; i++) {
    const response = await present(url, headers)
    if (response.status === 200) {
      await response.arrayBuffer()
      endings.push(receiptOf(response)?.redelivered ? 'redelivered' : 'served')
    } else {
      endings.push(String(await errorOf(response)))
    }
  }
  return endings
}

for (const kind of ledgers) {
  describeWithServices(
    `charged once for what was served, paid on anvil, on ${kind.name}`,
    kind.services,
    function () {
      this.timeout(120_000)
      let lab: AnvilCredit
      let ledger: Ledger & { close(): Promise<void> }
      let app: Awaited<ReturnType<typeof listenDeliveryApp>>
      const runs: Record<string, number> = {}

      before(async () => {
        lab = await startAnvilCredit()
        ledger = await kind.make()
        await ledger.ready?.()
        app = await listenDeliveryApp({
          chain: lab.chain(),
          ledger,
          secret,
          onHandler: (route) => {
            runs[route] = (runs[route] ?? 0) + 1
          },
        })
      })
      after(async () => {
        await app?.close()
        await ledger?.close()
        await lab?.close()
      })

      it('charges a route that pipes its own response into ctx.res once: 1 served, 3 re-delivered, then tx_already_used', async () => {
        const url = `${app.url}/api/own`
        const { headers } = await payOnAnvil(lab, url)
        const first = await fetch(url, { headers })
        assert.equal(first.status, 200)
        assert.equal(await first.text(), wholeBody)
        const endings = await presentTimes(url, headers, 9)
        assert.deepEqual(endings, [
          ...Array(3).fill('redelivered'),
          ...Array(6).fill('tx_already_used'),
        ])
        assert.equal(
          receiptOf(first)?.transaction,
          headers['x-payment-tx'],
          'PAYMENT-RESPONSE on it',
        )
      })

      it('spends a credit balance worth 2 on a route that writes ctx.res itself twice, not 10 times', async () => {
        const { credit } = await payFor(lab, `${app.url}/api/credit`, 30_000n)
        assert.equal(credit?.remaining, '20000')
        const served: string[] = []
        for (let i = 0; i < 10; i++) {
          const response = await present(`${app.url}/api/own-credit`, {
            'x-payment-credit': credit!.token,
          })
          if (response.status === 200) {
            assert.equal(await response.text(), wholeBody)
            const header = response.headers.get('payment-credit')
            served.push(
              header ? decodeBase64Json<PaymentCredit>(header).remaining : 'no PAYMENT-CREDIT',
            )
          } else {
            served.push(String(await errorOf(response)))
          }
        }
        assert.deepEqual(served, ['10000', '0', ...Array(8).fill('credit_exhausted')])
      })

      it('re-delivers GET /api/search?q=a only for ?q=a, at most 3 times: another query gets no answer', async () => {
        const before = runs.search ?? 0
        const { headers } = await payOnAnvil(lab, `${app.url}/api/search?q=a`)
        const first = await fetch(`${app.url}/api/search?q=a`, { headers })
        assert.equal(first.status, 200)
        assert.deepEqual(await first.json(), { q: 'a', answer: 'results for a' })
        for (let n = 0; n < 5; n++) {
          const other = await present(`${app.url}/api/search?q=other-${n}`, headers)
          assert.equal(other.status, 402, `?q=other-${n}`)
          assert.equal(await errorOf(other), 'tx_already_used')
        }
        assert.equal(runs.search! - before, 1, 'the handler ran for the paid query only')
        const again = await presentTimes(`${app.url}/api/search?q=a`, headers, 5)
        assert.deepEqual(again, [
          ...Array(3).fill('redelivered'),
          ...Array(2).fill('tx_already_used'),
        ])
      })

      it('charges a 10-chunk stream the client read 9 chunks of and left: it comes back by re-delivery, within the bound', async () => {
        const url = `${app.url}/api/chunks`
        const { headers } = await payOnAnvil(lab, url)
        const dropped = await readThenDrop(url, headers, chunk(chunkCount - 2))
        assert.equal(dropped.status, 200)
        assert.ok(!dropped.read.includes(chunk(chunkCount - 1)), 'the last chunk was never read')
        const endings = await presentTimes(url, { ...headers, 'x-whole': 'yes' }, 5)
        assert.deepEqual(endings, [
          ...Array(3).fill('redelivered'),
          ...Array(2).fill('tx_already_used'),
        ])
      })

      it('charges a large buffered body the client left after its first bytes: re-delivered within the bound', async () => {
        const url = `${app.url}/api/large`
        const { headers } = await payOnAnvil(lab, url)
        const dropped = await readThenDrop(url, headers, 'x'.repeat(1024))
        assert.equal(dropped.status, 200)
        assert.ok(dropped.read.length < largeBodyBytes, 'left mid-body')
        const endings = await presentTimes(url, headers, 4)
        assert.deepEqual(endings, [...Array(3).fill('redelivered'), 'tx_already_used'])
      })

      it('charges a route piping 10 chunks into ctx.res that the client left after 9: re-delivered within the bound', async () => {
        const url = `${app.url}/api/own-chunks`
        const { headers } = await payOnAnvil(lab, url)
        const dropped = await readThenDrop(url, headers, chunk(chunkCount - 2))
        assert.equal(dropped.status, 200)
        const endings = await presentTimes(url, { ...headers, 'x-whole': 'yes' }, 4)
        assert.deepEqual(endings, [...Array(3).fill('redelivered'), 'tx_already_used'])
      })

      it('releases a route piping into ctx.res whose source breaks mid-body: the retry is paid once', async () => {
        const url = `${app.url}/api/own-chunks`
        const { headers } = await payOnAnvil(lab, url)
        const broken = await readThenDrop(url, { ...headers, 'x-fail': 'mid' }, 'never-in-the-body')
        assert.equal(broken.status, 200)
        assert.ok(!broken.read.includes(chunk(3)), 'cut after 3 chunks')
        const retry = await present(url, { ...headers, 'x-whole': 'yes' })
        assert.equal(retry.status, 200)
        assert.equal(await retry.text(), wholeBody)
        assert.equal(receiptOf(retry)?.redelivered, undefined, 'served as paid now')
      })

      it("under charge: 'delivered', the same drop leaves the payment usable; the whole stream is charged once", async () => {
        const url = `${app.url}/api/chunks-delivered`
        const { headers } = await payOnAnvil(lab, url)
        const dropped = await readThenDrop(url, headers, chunk(chunkCount - 2))
        assert.equal(dropped.status, 200)
        const retry = await present(url, { ...headers, 'x-whole': 'yes' })
        assert.equal(retry.status, 200)
        assert.equal(await retry.text(), wholeBody)
        assert.equal(receiptOf(retry)?.redelivered, undefined, 'paid now, not re-delivered')
        const endings = await presentTimes(url, { ...headers, 'x-whole': 'yes' }, 4)
        assert.deepEqual(endings, [...Array(3).fill('redelivered'), 'tx_already_used'])
      })
    },
  )
}

describeWithServices(
  'the re-delivery bound across two servers on one Redis + PostgreSQL ledger',
  redisPostgresServices,
  function () {
    this.timeout(120_000)
    let lab: AnvilCredit
    const ledgers: (Ledger & { close(): Promise<void> })[] = []
    const apps: Awaited<ReturnType<typeof listenDeliveryApp>>[] = []

    before(async () => {
      lab = await startAnvilCredit()
      for (let i = 0; i < 2; i++) {
        const ledger = await redisPostgresUnderTest(keyPrefix)
        await ledger.ready?.()
        ledgers.push(ledger)
        apps.push(await listenDeliveryApp({ chain: lab.chain(), ledger, secret }))
      }
    })
    after(async () => {
      await Promise.all(apps.map((app) => app.close()))
      await Promise.all(ledgers.map((ledger) => ledger.close()))
      await lab?.close()
    })

    it('serves 3 of 12 concurrent re-deliveries split across both, whichever server each reaches', async () => {
      const path = '/api/search?q=shared'
      const { headers } = await payOnAnvil(lab, `${apps[0]!.url}${path}`)
      const first = await fetch(`${apps[0]!.url}${path}`, { headers })
      assert.equal(first.status, 200)
      await first.arrayBuffer()
      // Both behind one load balancer in production: one origin, whichever server a request
      // reaches (re-delivery matches the origin asked), so each request names the first's host.
      const host = new URL(apps[0]!.url).host
      const endings = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => {
          for (let attempt = 0; ; attempt++) {
            const answer = await getAs(`${apps[i % 2]!.url}${path}`, { ...headers, host })
            if (answer.status === 409 && attempt < 50) {
              await sleep(50)
              continue
            }
            if (answer.status === 200) return answer.redelivered ? 'redelivered' : 'served'
            return String((JSON.parse(answer.body) as { error?: string }).error)
          }
        }),
      )
      assert.deepEqual(endings.sort(), [
        ...Array(3).fill('redelivered'),
        ...Array(9).fill('tx_already_used'),
      ])
    })
  },
)
