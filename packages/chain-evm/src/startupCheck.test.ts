import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ConfigurationError, memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { type AnvilNode, deployTestToken, startAnvil } from '@tx402/testing/evm'
import type { Address } from 'viem'
import { evmChain } from './evmChain.js'

const secret = 'startup-check-secret-at-least-32-bytes!'

describe('the startup check on anvil (paid.ready / paid.health)', function () {
  this.timeout(60_000)
  let node: AnvilNode
  let token: Address
  let closedPort: number

  before(async () => {
    node = await startAnvil({ chainId: 8453 })
    token = await deployTestToken(node)
    // A port that was just free: nothing answers there.
    const probe: Server = createServer().listen(0, '127.0.0.1')
    await new Promise((resolve) => probe.once('listening', resolve))
    closedPort = (probe.address() as AddressInfo).port
    await new Promise((resolve) => probe.close(resolve))
  })
  after(() => node.stop())

  const route = (rpcUrl: string, network: `eip155:${number}` = 'eip155:8453') =>
    paymentRequired({
      price: '0.01',
      chains: [
        evmChain({
          name: 'base',
          network,
          rpcUrls: [rpcUrl],
          retryCount: 0,
          timeoutMs: 2_000,
          payTo: node.accounts[9]!.address,
          assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
        }),
      ],
      ledger: memoryLedger(),
      secret,
    })

  it('passes, and health reports every dependency ok, when the RPC serves the network', async () => {
    const paid = route(node.rpcUrl)
    await paid.ready()
    const health = await paid.health()
    // The chain's clock against ours: anvil stamps a block when it mines one, so an idle node's
    // latest block is behind wall time by as long as it idled.
    const { clockOffsetSeconds, ...chain } = health.chains[0]!
    assert.ok(typeof clockOffsetSeconds === 'number' && clockOffsetSeconds <= 1)
    assert.deepEqual(
      { ...health, chains: [chain] },
      {
        ok: true,
        chains: [{ chain: 'base', network: 'eip155:8453', ok: true }],
        ledger: { ok: true },
      },
    )
  })

  it('fails naming the chain when the RPC serves another chain', async () => {
    const paid = route(node.rpcUrl, 'eip155:43114')
    await assert.rejects(paid.ready(), (error: Error) => {
      assert.ok(error instanceof ConfigurationError)
      assert.match(error.message, /startup check failed/)
      assert.match(error.message, /- base \(eip155:43114\):/)
      return true
    })
    const health = await paid.health()
    assert.equal(health.ok, false)
    assert.equal(health.chains[0]!.ok, false)
    assert.equal(health.ledger.ok, true)
  })

  it('fails naming the chain when the RPC is unreachable', async () => {
    const paid = route(`http://127.0.0.1:${closedPort}`)
    await assert.rejects(paid.ready(), /- base \(eip155:8453\):/)
    const health = await paid.health()
    assert.equal(health.ok, false)
    assert.doesNotMatch(JSON.stringify(health), new RegExp(String(closedPort)))
  })

  it('refuses the token contract as payTo at setup, before any 402', () => {
    assert.throws(
      () =>
        evmChain({
          name: 'base',
          network: 'eip155:8453',
          rpcUrls: [node.rpcUrl],
          payTo: token.toLowerCase(),
          assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
        }),
      (error: Error) =>
        error instanceof ConfigurationError && /USDC token contract itself/.test(error.message),
    )
  })
})
