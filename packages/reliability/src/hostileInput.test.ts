import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { base } from '@tx402/chain-base'
import {
  challengeKey,
  decodeBase64Json,
  issueChallenge,
  type PaymentRequiredBody,
} from '@tx402/core'
import { redisPostgresLedger } from '@tx402/ledger'
import { prometheusObserver } from '@tx402/metrics'
import { type AnvilNode, deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'
import { describeWithServices } from '@tx402/testing/services'
import { Redis } from 'ioredis'
import pg from 'pg'
import type { Address, Hash } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { databaseUrl, ledgerRows, prepareDatabase } from './test/database.js'
import {
  type HostileMaterial,
  type HostileRequest,
  hostileRequests,
  nodeMaxHeaderBytes,
} from './test/hostileRequests.js'
import { findLeak } from './test/leaks.js'
import { createPaidApp } from './test/paidApp.js'
import { prng } from './test/prng.js'
import { rawRequest } from './test/rawHttp.js'

const requestCount = 10_000
const concurrency = 12
// Bounds: the storm stops at this time even if requests are left (and the test then fails).
const stormTimeoutMs = 240_000
const protocolStatuses = [400, 402, 409, 429, 503]

/** One answer, as the checks see it. */
interface Answer {
  status?: number
  /** `error` of a JSON body. */
  error?: string
  /** Everything received: body and headers (and the decoded PAYMENT-REQUIRED). */
  text: string
  /** A 400 without a JSON body: Node's own parser refused the request before Koa. */
  byParser: boolean
  failure?: string
}

describeWithServices(
  'hostile input against a paid route on a real server',
  ['postgres', 'redis'],
  function () {
    this.timeout(300_000)
    const cleanup: (() => Promise<unknown> | unknown)[] = []
    let node: AnvilNode
    let url: string
    let port: number
    let payTo: Address
    let pool: pg.Pool
    let material: HostileMaterial
    let secrets: string[]
    const decisions: object[] = []
    const rejected: string[] = []
    let handled = 0
    /** Answers Koa wrote for requests with payment headers (every one is a decision). */
    let decided = 0
    const metrics = prometheusObserver()

    before(async function () {
      this.timeout(120_000)
      ;[node] = await Promise.all([startAnvil({ chainId: 8453 }), prepareDatabase()])
      cleanup.push(() => node.stop())
      const payer = node.wallet(1)
      const stranger = node.wallet(4)
      const token = await deployTestToken(node, {
        mint: [
          [node.accounts[1]!.address, 1_000_000_000n],
          [node.accounts[4]!.address, 1_000_000_000n],
        ],
      })
      payTo = privateKeyToAccount(generatePrivateKey()).address
      pool = new pg.Pool({ connectionString: databaseUrl(), max: 2 })
      cleanup.push(() => pool.end())
      const keyPrefix = `tx402hostile:${randomBytes(4).toString('hex')}:`
      const ledger = redisPostgresLedger({
        redis: 'redis://127.0.0.1:6379',
        db: databaseUrl(),
        keyPrefix,
      })
      cleanup.push(async () => {
        await ledger.close()
        const redis = new Redis('redis://127.0.0.1:6379')
        const keys = await redis.keys(`${keyPrefix}*`)
        if (keys.length) await redis.del(...keys)
        redis.disconnect()
      })
      // An API key in the RPC URL, as hosted RPCs have: no response may show it.
      const rpcKey = `rpc-key-${randomBytes(8).toString('hex')}`
      const secret = `hostile-secret-${randomBytes(16).toString('hex')}`
      const { app } = createPaidApp({
        chain: base({
          rpcUrl: `${node.rpcUrl}/?apikey=${rpcKey}`,
          payTo,
          assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
          confirmations: 1,
        }),
        ledger,
        secret,
        logger: { info: (line) => decisions.push(line), warn() {}, error() {} },
        observer: metrics,
        proxy: true,
        limits: {
          maxConcurrentVerifications: 4,
          perClient: { max: 120, windowMs: 60_000 },
        },
        onRejected: (decision) => void rejected.push(decision.outcome),
        onHandler: () => void handled++,
        onResponse: (_, error) => {
          if (error && error !== 'payment_required') decided++
        },
      })
      app.silent = true
      const server: Server = app.listen(0, '127.0.0.1')
      await new Promise((resolve) => server.once('listening', resolve))
      cleanup.push(
        () =>
          new Promise((resolve) => {
            server.closeAllConnections()
            server.close(resolve)
          }),
      )
      port = (server.address() as AddressInfo).port
      url = `http://127.0.0.1:${port}`
      secrets = [
        rpcKey,
        secret,
        node.rpcUrl.replace('http://', ''),
        '127.0.0.1:6379',
        '127.0.0.1:5432',
        'postgres://',
        'redis://',
      ]

      const challenges = async (method: string, path: string, n: number) => {
        const ids: string[] = []
        for (let i = 0; i < n; i++) {
          const body = (await (
            await fetch(`${url}${path}`, { method })
          ).json()) as PaymentRequiredBody
          ids.push(body.challenge.id)
        }
        return ids
      }
      const pay = async (wallet: typeof payer, to: Address): Promise<Hash> => {
        const hash = await wallet.writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [to, 10_000n],
        })
        await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
        return hash
      }
      // One payment served the honest way: its replays are part of the storm.
      const servedTx = await pay(payer, payTo)
      const honest = await fetch(`${url}/api/paid`, {
        headers: { 'x-payment-tx': servedTx, 'x-payment-chain': 'base' },
      })
      assert.equal(honest.status, 200)
      await honest.text()
      // Its decision line is written once the response has ended and the payment is committed,
      // which under load can come after the storm has begun: wait for it, so the storm's count
      // holds the storm's decisions only.
      for (let i = 0; i < 250 && !decisions.some((line) => isServed(line)); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      assert.ok(
        decisions.some((line) => isServed(line)),
        'the honest payment was reported served',
      )
      material = {
        servedTx,
        unusedTx: await pay(payer, payTo),
        wrongRecipientTx: await pay(stranger, privateKeyToAccount(generatePrivateKey()).address),
        challenges: {
          get: await challenges('GET', '/api/paid', 4),
          post: await challenges('POST', '/api/paid', 4),
          otherRoute: await challenges('GET', '/api/hold', 3),
        },
        // Neither an expired challenge (judged against the block time) nor another route's (it
        // binds, the route's terms judge) spoils a payment (docs/protocol.md section 2); one issued
        // after the payment landed does.
        laterChallenge: issueChallenge(challengeKey(secret), {
          method: 'GET',
          path: '/api/paid',
          ttlSeconds: 900,
          now: Date.now() + 2 * 3600_000,
        }).id,
        foreignChallenge: issueChallenge(challengeKey(`another-server-${secret}`), {
          method: 'GET',
          path: '/api/paid',
          ttlSeconds: 900,
        }).id,
      }
    })

    after(async () => {
      for (const step of cleanup.reverse()) await step()
    })

    it(`answers ${requestCount} generated requests with 400, 402, 409, 429 or 503 only, serving and consuming nothing, leaking nothing`, async () => {
      const seed = Number(process.env.TX402_HOSTILE_SEED ?? 402)
      const requests = hostileRequests(prng(seed), material, requestCount)
      const decisionsBefore = decisions.length
      const decidedBefore = decided
      const handledBefore = handled

      const problems: string[] = []
      const statuses: Record<string, number> = {}
      const categories: Record<string, number> = {}
      const started = Date.now()
      let next = 0
      const worker = async () => {
        while (next < requests.length && Date.now() - started < stormTimeoutMs) {
          const request = requests[next++]!
          const answer = await send(request)
          const label = !answer.status
            ? `no answer (${answer.failure})`
            : answer.byParser
              ? `${answer.status} (Node's parser)`
              : answer.error
                ? `${answer.status} ${answer.error}`
                : `${answer.status} (${request.method === 'HEAD' ? 'HEAD, no body' : 'no body'})`
          statuses[label] = (statuses[label] ?? 0) + 1
          categories[request.category] = (categories[request.category] ?? 0) + 1
          const problem = check(request, answer)
          if (problem && problems.length < 30) problems.push(problem)
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      const seconds = ((Date.now() - started) / 1000).toFixed(1)

      const rows = await ledgerRows(pool, {
        payTo,
        txIds: [material.unusedTx, material.wrongRecipientTx],
      })
      const summary = Object.entries(statuses)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([label, n]) => `${label} ×${n}`)
        .join(', ')
      const raw = requests.filter((r) => r.raw).length
      console.log(
        `      hostile input: seed ${seed} (TX402_HOSTILE_SEED), ${next} requests (${raw} raw over net, ${requestCount - raw} by fetch) in ${seconds} s, ${Object.keys(categories).length} kinds\n` +
          `      kinds: ${Object.entries(categories)
            .map(([kind, n]) => `${kind} ×${n}`)
            .join(', ')}\n` +
          `      answers: ${summary}\n` +
          `      served ${handled - handledBefore}, ledger rows of the payee ${rows.length} (the honest payment only), problems ${problems.length}`,
      )

      assert.equal(next, requestCount, `the storm did not finish within ${stormTimeoutMs} ms`)
      assert.deepEqual(problems, [])
      assert.equal(handled, handledBefore, 'the paid handler never ran')
      assert.deepEqual(
        rows.map((row) => [row.txId, row.status]),
        [[material.servedTx, 'consumed']],
        'nothing consumed or left claimed',
      )
      // The engine's own accounting agrees: one decision line per answer it gave, each rejected.
      assert.equal(decisions.length - decisionsBefore, decided - decidedBefore)
      assert.equal(rejected.length, decisions.length - 1)
      const counted = [
        ...(await metrics.registry.metrics()).matchAll(/tx402_payments_total\{[^}]*\} (\d+)/g),
      ].reduce((sum, match) => sum + Number(match[1]), 0)
      assert.equal(counted, decisions.length)
      assert.ok(!JSON.stringify(decisions).includes(secrets[0]!), 'no log line holds the RPC key')
    })

    it('still serves the real payment the storm presented with spoilers, once', async () => {
      const headers = { 'x-payment-tx': material.unusedTx, 'x-payment-chain': 'base' }
      const paid = await fetch(`${url}/api/paid`, { headers })
      assert.equal(paid.status, 200)
      // The commit lands once the 200 was delivered (docs/protocol.md 6.1): a replay quicker than
      // it is told 409 payment_in_progress and, as a payer does, sent again after Retry-After.
      let again = await fetch(`${url}/api/paid`, { headers })
      for (let attempt = 1; again.status === 409 && attempt < 5; attempt++) {
        await again.arrayBuffer()
        await new Promise((resolve) => setTimeout(resolve, 1000))
        again = await fetch(`${url}/api/paid`, { headers })
      }
      assert.equal(again.status, 402)
      assert.equal(((await again.json()) as { error: string }).error, 'tx_already_used')
    })

    /** Sends one request, by fetch or byte for byte. */
    async function send(request: HostileRequest): Promise<Answer> {
      if (request.raw) {
        const answer = await rawRequest(port, request.head!, {
          ...(request.body ? { body: request.body } : {}),
          timeoutMs: 15_000,
        })
        const [headText = '', bodyText = ''] = answer.text.split('\r\n\r\n', 2)
        const required = /^payment-required: (.+)$/im.exec(headText)?.[1]
        const error = jsonError(bodyText)
        return {
          ...(answer.status ? { status: answer.status } : {}),
          ...(error ? { error } : {}),
          text: answer.text + (required ? decoded(required) : ''),
          byParser: answer.status === 400 && !headText.toLowerCase().includes('content-type'),
          ...(answer.error ? { failure: answer.error } : {}),
        }
      }
      const headers = new Headers()
      for (const [name, value] of request.headers) headers.append(name, value as string)
      try {
        const response = await fetch(`${url}${request.target}`, {
          method: request.method,
          headers,
          ...(request.text ? { body: request.text } : {}),
          signal: AbortSignal.timeout(15_000),
        })
        const body = await response.text()
        const shown = [body]
        response.headers.forEach((value, name) => {
          shown.push(`${name}: ${value}`)
        })
        const required = response.headers.get('payment-required')
        if (required) shown.push(decoded(required))
        const error = jsonError(body)
        return {
          status: response.status,
          ...(error ? { error } : {}),
          text: shown.join('\n'),
          byParser: false,
        }
      } catch (error) {
        return { text: '', byParser: false, failure: (error as Error).message }
      }
    }

    /** What is wrong with this answer, if anything. */
    function check(request: HostileRequest, answer: Answer): string | undefined {
      const what = `#${request.index} ${request.category} ${request.raw ? 'raw' : 'fetch'} ${request.method}`
      if (answer.status === undefined) return `${what}: no answer (${answer.failure})`
      const allowed = [
        ...protocolStatuses,
        ...(request.headBytes > nodeMaxHeaderBytes - 2048 ? [431] : []),
      ]
      if (!allowed.includes(answer.status)) return `${what}: status ${answer.status}`
      if (!request.expected.statuses.includes(answer.status)) {
        return `${what}: ${answer.status} ${answer.error ?? ''}, expected ${request.expected.statuses.join('/')}`
      }
      if (
        answer.error &&
        request.expected.errors &&
        !request.expected.errors.includes(answer.error)
      ) {
        return `${what}: ${answer.error}, expected ${request.expected.errors.join('/')}`
      }
      if (!answer.error && !answer.byParser && request.method !== 'HEAD' && answer.status !== 431) {
        return `${what}: ${answer.status} without an error code`
      }
      if (
        [409, 429, 503].includes(answer.status) &&
        !/^retry-after: [1-9][0-9]*\r?$/im.test(answer.text)
      ) {
        return `${what}: ${answer.status} without Retry-After`
      }
      const leak = findLeak(answer.text, secrets)
      return leak ? `${what}: leaked ${leak}` : undefined
    }
  },
)

function jsonError(text: string): string | undefined {
  try {
    const error = (JSON.parse(text) as { error?: unknown }).error
    return typeof error === 'string' ? error : undefined
  } catch {
    return undefined
  }
}

function decoded(base64: string): string {
  try {
    return `\n${JSON.stringify(decodeBase64Json(base64.trim()))}`
  } catch {
    return ''
  }
}

function isServed(line: object): boolean {
  return (line as { outcome?: string }).outcome === 'served'
}
