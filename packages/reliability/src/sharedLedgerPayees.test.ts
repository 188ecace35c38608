import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import Router from '@koa/router'
import { base } from '@tx402/chain-base'
import { type Ledger, proofMessage } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { redisPostgresLedger } from '@tx402/ledger'
import {
  type AnvilNode,
  batchPayAbi,
  deployBatchPay,
  deployTestToken,
  startAnvil,
  testTokenAbi,
} from '@tx402/testing/evm'
import { describeWithServices } from '@tx402/testing/services'
import Koa from 'koa'
import { type Address, maxUint256 } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { databaseUrl, prepareDatabase } from './test/database.js'

const secret = 'shared-ledger-payees-secret-at-least-32-bytes'
const silent = { info() {}, warn() {}, error() {} }

/**
 * One transaction paying two payees whose servers share one Redis + PostgreSQL ledger: two
 * payments, each served once by its own server (issue 13).
 */
describeWithServices(
  'two payees of one transaction, sharing one Redis + PostgreSQL ledger',
  ['postgres', 'redis'],
  function () {
    this.timeout(90_000)
    let node: AnvilNode
    const ledgers: Ledger[] = []
    const servers: ReturnType<Koa['listen']>[] = []

    before(async () => {
      await prepareDatabase()
      node = await startAnvil({ chainId: 8453 })
    })
    after(async () => {
      for (const server of servers) await new Promise((resolve) => server.close(resolve))
      for (const ledger of ledgers) await ledger.close?.()
      await node?.stop()
    })

    /** One API process of one payee: its own ledger client on the shared Redis and database. */
    const serveFor = async (payTo: Address, token: Address, keyPrefix: string) => {
      const ledger = redisPostgresLedger({
        db: databaseUrl(),
        redis: 'redis://127.0.0.1:6379',
        keyPrefix,
        logger: silent,
      })
      ledgers.push(ledger)
      const router = new Router()
      router.get(
        '/api/paid',
        paymentRequired({
          price: '0.01',
          chains: [
            base({
              rpcUrl: node.rpcUrl,
              payTo,
              confirmations: 1,
              assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
            }),
          ],
          ledger,
          secret,
          logger: silent,
          // Re-delivery off: every replay, even the payer's own, is refused.
          redeliveryWindowSeconds: 0,
        }),
        (ctx) => {
          ctx.body = { payTo: ctx.state.payment!.payTo, amount: String(ctx.state.payment!.amount) }
        },
      )
      const app = new Koa()
      app.silent = true
      app.use(router.routes())
      const server = app.listen(0, '127.0.0.1')
      servers.push(server)
      await new Promise((resolve) => server.once('listening', resolve))
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/paid`
    }

    it('serves each payee once for its own transfer, and refuses every replay', async () => {
      const payer = privateKeyToAccount(node.accounts[1]!.privateKey)
      const token = await deployTestToken(node, { mint: [[payer.address, 1_000_000n]] })
      const batch = await deployBatchPay(node)
      const wallet = node.wallet(1)
      const wait = (hash: `0x${string}`) =>
        node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
      await wait(
        await wallet.writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'approve',
          args: [batch, maxUint256],
        }),
      )
      const [first, second] = [0, 1].map(() => privateKeyToAccount(generatePrivateKey()).address)
      const keyPrefix = `tx402test:${randomBytes(6).toString('hex')}:`
      const urls = [
        await serveFor(first!, token, keyPrefix),
        await serveFor(second!, token, keyPrefix),
      ]
      const hash = await wallet.writeContract({
        address: batch,
        abi: batchPayAbi,
        functionName: 'payTwo',
        args: [token, first!, 10_000n, second!, 10_000n],
      })
      assert.equal((await wait(hash)).status, 'success')
      const headers = {
        'x-payment-tx': hash,
        'x-payment-chain': 'base',
        'x-payment-proof': await payer.signMessage({
          message: proofMessage({ network: 'eip155:8453', txId: hash }),
        }),
      }
      const answers = []
      for (const url of urls) {
        const response = await fetch(url, { headers })
        answers.push({ status: response.status, body: await response.json() })
      }
      assert.deepEqual(answers, [
        { status: 200, body: { payTo: first, amount: '10000' } },
        { status: 200, body: { payTo: second, amount: '10000' } },
      ])
      for (const url of urls) {
        const replay = await fetch(url, { headers })
        assert.equal(replay.status, 402)
        assert.equal(((await replay.json()) as { error: string }).error, 'tx_already_used')
      }
    })
  },
)
