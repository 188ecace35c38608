import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  decodeBase64Json,
  type PaymentRequiredBody,
  type PaymentResponse,
  proofMessage,
} from '@tx402/core'
import { type AnvilNode, deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'
import { privateKeyToAccount } from 'viem/accounts'
import { type SpawnedServer, spawnServer } from './spawnServer.js'

describe('demo API configured from the environment', function () {
  this.timeout(120_000)
  let node: AnvilNode
  let token: `0x${string}`
  let server: SpawnedServer
  let dataDir: string
  const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906' // anvil dev account 3

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    // A token deployed by the test, not by the demo: the API only knows it from BASE_TOKEN.
    token = await deployTestToken(node, {
      symbol: 'USDC',
      mint: [[node.accounts[1]!.address, 10_000_000n]],
    })
    dataDir = mkdtempSync(join(tmpdir(), 'tx402-demo-env-'))
    server = await spawnServer({
      TX402_SECRET: 'demo-env-test-secret-with-32-bytes-or-more',
      TX402_DATA_DIR: dataDir,
      BASE_RPC_URL: node.rpcUrl,
      BASE_CHAIN_ID: '8453',
      BASE_TOKEN: token,
      BASE_TOKEN_DECIMALS: '6',
      BASE_PAY_TO: payTo,
      BASE_CONFIRMATIONS: '1',
    })
  })
  after(async () => {
    await server?.stop()
    await node?.stop()
    rmSync(dataDir, { recursive: true, force: true })
  })

  const transfer = async (amount: bigint) => {
    const hash = await node.wallet(1).writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [payTo, amount],
    })
    await node.publicClient.waitForTransactionReceipt({ hash })
    return hash
  }
  /** The payment headers, with the payer's proof (dev account 1) that the default binding asks. */
  const paid = async (hash: string) => ({
    'x-payment-tx': hash,
    'x-payment-chain': 'base',
    'x-payment-proof': await privateKeyToAccount(node.accounts[1]!.privateKey).signMessage({
      message: proofMessage({ network: 'eip155:8453', txId: hash.toLowerCase() }),
    }),
  })

  it('answers health for free and 402 for the weather with the configured token and wallet', async () => {
    const health = await fetch(`${server.url}/api/health`)
    assert.equal(health.status, 200)
    const report = (await health.json()) as { chains: { clockOffsetSeconds?: unknown }[] }
    // The chain's clock offset is whatever anvil's last block says; its presence is what counts.
    assert.equal(typeof report.chains[0]?.clockOffsetSeconds, 'number')
    delete report.chains[0]?.clockOffsetSeconds
    assert.deepEqual(report, {
      ok: true,
      chains: [{ chain: 'base', network: 'eip155:8453', ok: true }],
      ledger: { ok: true },
    })
    const response = await fetch(`${server.url}/api/weather`)
    assert.equal(response.status, 402)
    const body = (await response.json()) as PaymentRequiredBody
    assert.deepEqual(body.cost, { amount: '0.01', currency: 'USDC' })
    assert.equal(body.accepts.length, 1)
    const [option] = body.accepts
    assert.equal(option!.network, 'eip155:8453')
    assert.equal(option!.amount, '10000')
    assert.equal(option!.payTo, payTo)
    assert.deepEqual(option!.asset, {
      standard: 'erc20',
      address: token,
      symbol: 'USDC',
      decimals: 6,
    })
    assert.deepEqual(decodeBase64Json(response.headers.get('payment-required')!), body)
  })

  it('serves the weather once for a payment and refuses the replay', async () => {
    const hash = await transfer(10_000n)
    const response = await fetch(`${server.url}/api/weather`, { headers: await paid(hash) })
    assert.equal(response.status, 200)
    const weather = (await response.json()) as { paidWith: { transaction: string; payer: string } }
    assert.equal(weather.paidWith.transaction, hash)
    assert.equal(weather.paidWith.payer, node.accounts[1]!.address)
    const receipt = decodeBase64Json<PaymentResponse>(response.headers.get('payment-response')!)
    assert.equal(receipt.amount, '10000')
    // Someone who saw the hash on chain, in another spelling: no proof, no payment.
    const replay = await fetch(`${server.url}/api/weather`, {
      headers: {
        'x-payment-tx': hash.toUpperCase().replace('0X', '0x'),
        'x-payment-chain': 'base',
      },
    })
    assert.equal(replay.status, 402)
    assert.equal(((await replay.json()) as { error: string }).error, 'proof_invalid')
  })

  it('refuses too little for the encrypt route, which costs 0.10', async () => {
    const hash = await transfer(10_000n)
    const response = await fetch(`${server.url}/api/encrypt`, {
      method: 'POST',
      headers: { ...(await paid(hash)), 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    })
    assert.equal(response.status, 402)
    assert.equal(((await response.json()) as { error: string }).error, 'insufficient_amount')
  })

  it('leaves the payment usable when POST /api/encrypt gets a bad or broken body, and serves a good one with it', async () => {
    const hash = await transfer(100_000n)
    const headers = await paid(hash)
    const post = (body: string) =>
      fetch(`${server.url}/api/encrypt`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body,
      })
    const bad = await post(JSON.stringify({ text: 42 }))
    assert.equal(bad.status, 400)
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_body')
    assert.equal(bad.headers.get('payment-response'), null)
    const broken = await post('{"text": "no closing brace"')
    assert.equal(broken.status, 400, 'a body that does not parse is a 400 too')
    const good = await post(JSON.stringify({ text: 'attack at dawn' }))
    assert.equal(good.status, 200)
    const sealed = (await good.json()) as { algorithm: string; ciphertext: string }
    assert.equal(sealed.algorithm, 'aes-256-gcm')
    assert.notEqual(Buffer.from(sealed.ciphertext, 'base64').toString(), 'attack at dawn')
    // The payer's own replay of a POST is a re-delivery of the stored response, not a new run.
    const again = await post(JSON.stringify({ text: 'again' }))
    assert.equal(again.status, 200)
    assert.deepEqual(await again.json(), sealed)
  })

  it('exposes Prometheus metrics of the decisions', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text()
    assert.match(text, /tx402_payments_total\{chain="base",outcome="served"\} 2/)
    assert.match(text, /tx402_payments_total\{chain="base",outcome="proof_invalid"\} 1/)
    assert.match(text, /tx402_payments_total\{chain="base",outcome="redelivered"\} 1/)
  })

  it('refuses to start on a bad variable, naming it', async () => {
    await assert.rejects(
      spawnServer({ BASE_RPC_URL: node.rpcUrl, BASE_PAY_TO: 'not-an-address' }),
      (error: Error & { code?: number }) => {
        assert.equal(error.code, 2)
        assert.match(
          error.message,
          /Configuration error: BASE_PAY_TO: expected a 0x-prefixed 20-byte address/,
        )
        return true
      },
    )
  })

  it('refuses a price the token cannot express, naming the variable, without a stack trace', async () => {
    await assert.rejects(
      spawnServer({
        BASE_RPC_URL: node.rpcUrl,
        BASE_PAY_TO: payTo,
        BASE_TOKEN_DECIMALS: '2',
        TX402_PRICE_WEATHER: '0.001',
      }),
      (error: Error & { code?: number }) => {
        assert.equal(error.code, 2)
        assert.match(
          error.message,
          /Configuration error: TX402_PRICE_WEATHER: "0\.001" has more decimal places than the token of BASE_TOKEN_DECIMALS=2/,
        )
        assert.doesNotMatch(error.message, /\n\s+at /)
        return true
      },
    )
  })

  // Last: it stops the chain.
  it('answers 503 on /api/health, naming the chain, once the Base RPC is down', async () => {
    await node.stop()
    const health = await fetch(`${server.url}/api/health`)
    assert.equal(health.status, 503)
    const body = (await health.json()) as { ok: boolean; chains: { ok: boolean; chain: string }[] }
    assert.equal(body.ok, false)
    assert.deepEqual(
      body.chains.map((c) => [c.chain, c.ok]),
      [['base', false]],
    )
  })
})
