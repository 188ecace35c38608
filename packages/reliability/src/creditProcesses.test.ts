import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisPostgresLedger } from '@tx402/ledger'
import { describeWithServices } from '@tx402/testing/services'
import { type ApiProcess, spawnApi } from './test/apiProcess.js'
import { type AnvilCredit, payFor, startAnvilCredit } from './test/credit/anvilCredit.js'
import type { CreditApiConfig } from './test/credit/creditApi.js'
import { databaseUrl, prepareDatabase } from './test/database.js'

// One balance, two API processes sharing a Redis + PostgreSQL ledger, 100 requests at once: the
// balance serves exactly what it holds (docs/protocol.md section 7.3).
describeWithServices(
  'prepaid credit spent concurrently across two API processes',
  ['postgres', 'redis'],
  function () {
    this.timeout(180_000)
    let lab: AnvilCredit
    const apis: ApiProcess[] = []
    let config: CreditApiConfig
    const quiet = { info() {}, warn() {}, error() {} }

    before(async () => {
      lab = await startAnvilCredit()
      await prepareDatabase()
      config = {
        rpcUrl: lab.rpcUrl,
        token: lab.token,
        payTo: lab.payTo,
        redisUrl: 'redis://127.0.0.1:6379',
        databaseUrl: databaseUrl(),
        keyPrefix: `tx402creditx:${randomBytes(4).toString('hex')}:`,
        secret: 'credit-processes-secret-at-least-32-bytes',
      }
      apis.push(
        ...(await Promise.all([
          spawnApi('a', config, './credit/creditApi.ts'),
          spawnApi('b', config, './credit/creditApi.ts'),
        ])),
      )
    })
    after(async () => {
      await Promise.all(apis.map((api) => api.stop()))
      await lab?.close()
    })

    it('serves exactly 10 of 100 concurrent requests on a balance of 10; the rest get credit_exhausted', async () => {
      const [a, b] = apis as [ApiProcess, ApiProcess]
      const { response, credit } = await payFor(lab, `${a.url}/api/credit`, 110_000n)
      assert.equal(response.status, 200, await response.clone().text())
      assert.ok(credit, 'the purchase carries PAYMENT-CREDIT')
      const token = credit.token
      const ledger = redisPostgresLedger({
        redis: config.redisUrl,
        db: config.databaseUrl,
        keyPrefix: config.keyPrefix,
        logger: quiet,
      })
      const id = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())[0]
      const remaining = async () => (await ledger.credit!.find(id))?.remaining
      try {
        for (let i = 0; i < 100 && (await remaining()) !== 100_000n; i++) await sleep(20)
        assert.equal(await remaining(), 100_000n)
        const rpcBefore = lab.rpcCalls

        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            fetch(`${(i % 2 ? a : b).url}/api/credit`, { headers: { 'x-payment-credit': token } }),
          ),
        )
        const bodies = await Promise.all(
          answers.map((r) => r.json() as Promise<{ error?: string }>),
        )
        const served = answers.filter((r) => r.status === 200).length
        const exhausted = bodies.filter((body) => body.error === 'credit_exhausted').length
        assert.equal(served, 10)
        assert.equal(exhausted, 90)
        assert.equal(lab.rpcCalls, rpcBefore, 'no RPC call to spend credit')

        for (let i = 0; i < 100 && (await remaining()) !== 0n; i++) await sleep(20)
        assert.equal(await remaining(), 0n)
        // Both processes served some, and their decision lines say credited.
        const credited = (api: ApiProcess) =>
          api.lines.filter((l) => l.outcome === 'credited').length
        await sleep(100)
        assert.equal(credited(a) + credited(b), 10)
      } finally {
        await ledger.close()
      }
    })
  },
)
