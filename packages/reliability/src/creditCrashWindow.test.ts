import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { callPaidEndpoint, memoryJournal, type PaidFetchOptions } from '@tx402/client'
import { evmPayer } from '@tx402/client/evm'
import { decodeBase64Json, type PaymentCredit } from '@tx402/core'
import { testTokenAbi } from '@tx402/testing/evm'
import { describeWithServices } from '@tx402/testing/services'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type ApiProcess, spawnApi } from './test/apiProcess.js'
import { type AnvilCredit, startAnvilCredit } from './test/credit/anvilCredit.js'
import type { DyingCreditApiConfig } from './test/credit/dyingCreditApi.js'
import { databaseUrl, prepareDatabase } from './test/database.js'

// docs/protocol.md 6.1 and 7.2: a process that dies after a purchase's last byte and before its
// commit loses no payment. The payer, which received the 200 whole with its token, spends that
// token on the next version of the API (same origin, same ledger) and is served from the balance
// it bought; it never buys a second pack. Both ledgers, a real SIGKILL, the real client, anvil.
const claimTtlMs = 1_500
const kinds = ['Redis + PostgreSQL', 'the embedded ledger'] as const

for (const kind of kinds) {
  describeWithServices(
    `a credit purchase whose API process is killed before its commit, on ${kind}`,
    kind === 'Redis + PostgreSQL' ? ['postgres', 'redis'] : [],
    function () {
      this.timeout(120_000)
      let lab: AnvilCredit
      let dataDir: string | undefined
      const apis: ApiProcess[] = []
      let config: DyingCreditApiConfig

      before(async () => {
        lab = await startAnvilCredit()
        let redis: DyingCreditApiConfig['redis']
        if (kind === 'Redis + PostgreSQL') {
          await prepareDatabase()
          const keyPrefix = `tx402crash:${randomBytes(4).toString('hex')}:`
          redis = { url: 'redis://127.0.0.1:6379', databaseUrl: databaseUrl(), keyPrefix }
        } else {
          dataDir = join(await mkdtemp(join(tmpdir(), 'tx402-crash-')), 'ledger')
        }
        config = {
          rpcUrl: lab.rpcUrl,
          token: lab.token,
          payTo: lab.payTo,
          ...(redis ? { redis } : { dataDir: dataDir! }),
          secret: 'credit-crash-window-secret-at-least-32-bytes',
          port: await freePort(),
          claimTtlMs,
          dieBeforeCommit: true,
        }
      })
      after(async () => {
        await Promise.all(apis.map((api) => api.stop()))
        await lab?.close()
        if (dataDir) await rm(join(dataDir, '..'), { recursive: true, force: true })
      })

      it('spends the token of the lost commit: served from the balance bought, no second pack', async () => {
        const journal = memoryJournal()
        const account = privateKeyToAccount(lab.node.accounts[1]!.privateKey)
        const transport = http(lab.node.rpcUrl)
        const chain = lab.node.chain
        const options: PaidFetchOptions = {
          payers: [
            evmPayer({
              walletClient: createWalletClient({ account, chain, transport }),
              publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
              assets: [{ address: lab.token, symbol: 'USDC', decimals: 6 }],
            }),
          ],
          journal,
          maxAmount: { USDC: '1.00' },
          credit: { buy: 'smallest' },
          timeoutMs: 30_000,
        }
        const url = `http://127.0.0.1:${config.port}/api/credit`

        const victim = await spawnApi('victim', config, './credit/dyingCreditApi.ts')
        apis.push(victim)
        const bought = await callPaidEndpoint(url, {}, options)
        assert.equal(bought.status, 200)
        assert.deepEqual(await bought.json(), { served: true, pid: victim.pid, credit: 'bought' })
        const credit = decodeBase64Json<PaymentCredit>(bought.headers.get('payment-credit')!)
        assert.equal(credit.remaining, '100000')
        // The response went out whole; the commit is under way, and the process dies now.
        await victim.waitFor((line) => line.event === 'committing', 10_000)
        await victim.kill()
        assert.equal((await journal.list()).length, 1, 'the purchase stays journaled')

        // The next version on the same origin, reconciling every 200 ms (as by default, faster),
        // started once the dead process's claim lapsed and a reconcile had the chance to run.
        await sleep(claimTtlMs + 200)
        const successor = await spawnApi(
          'successor',
          { ...config, dieBeforeCommit: false },
          './credit/dyingCreditApi.ts',
        )
        apis.push(successor)
        await sleep(600)

        const spent = await callPaidEndpoint(url, {}, options)
        assert.equal(spent.status, 200, await spent.clone().text())
        assert.deepEqual(await spent.json(), { served: true, pid: successor.pid, credit: 'spent' })
        const after = decodeBase64Json<PaymentCredit>(spent.headers.get('payment-credit')!)
        assert.equal(after.remaining, '90000')
        assert.equal(spent.headers.get('payment-response'), null, 'nothing paid on chain')
        // One pack paid for, ever; the purchase settled in the journal once its token was taken.
        assert.equal(await paidTo(lab), 110_000n)
        assert.deepEqual(await journal.list(), [])
      })
    },
  )
}

/** What payTo received in the test USDC. */
async function paidTo(lab: AnvilCredit): Promise<bigint> {
  return lab.node.publicClient.readContract({
    address: lab.token,
    abi: testTokenAbi,
    functionName: 'balanceOf',
    args: [lab.payTo],
  })
}

/** A loopback port free now, for both versions of the API in turn. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
