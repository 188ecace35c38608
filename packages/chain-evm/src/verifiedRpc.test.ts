import assert from 'node:assert/strict'
import { VerifierUnavailableError } from '@tx402/core'
import {
  type AnvilNode,
  forwardJsonRpc,
  type JsonRpcServer,
  serveJsonRpc,
  startAnvil,
} from '@tx402/testing/evm'
import { verifiedRpc } from './verifiedRpc.js'

describe('verifiedRpc', function () {
  this.timeout(60_000)
  let node: AnvilNode
  const servers: JsonRpcServer[] = []
  /** A proxy in front of anvil whose eth_chainId answer the test controls. */
  const proxy = async (chainId: () => number | 'down') => {
    const forward = forwardJsonRpc(node.rpcUrl)
    const server = await serveJsonRpc((method, params) => {
      if (method !== 'eth_chainId') return forward(method, params)
      const id = chainId()
      if (id === 'down') throw new Error('unavailable')
      return `0x${id.toString(16)}`
    })
    servers.push(server)
    return server
  }
  const rpcFor = (rpcUrls: string[], recheckMs = 0) =>
    verifiedRpc({
      name: 'anvil',
      chainId: 31337,
      rpcUrls,
      timeoutMs: 2000,
      retryCount: 0,
      recheckMs,
    })

  before(async () => {
    node = await startAnvil()
  })
  after(async () => {
    await Promise.all(servers.map((server) => server.close()))
    await node?.stop()
  })

  it('fails while no URL has shown the chain id, and asks again on the next call', async () => {
    let answer: number | 'down' = 'down'
    const only = await proxy(() => answer)
    const rpc = rpcFor([only.url], 60_000)
    await assert.rejects(rpc.client(), VerifierUnavailableError)
    answer = 31337
    const client = await rpc.client()
    assert.equal(await client.getChainId(), 31337)
  })

  it('proves a URL that was down later, in the background, then sends it traffic first', async () => {
    let answer: number | 'down' = 'down'
    const late = await proxy(() => answer)
    const rpc = rpcFor([late.url, node.rpcUrl])
    await (await rpc.client()).getBlockNumber()
    assert.ok(!late.requests.flat().includes('eth_blockNumber'), 'unproven: no traffic')
    answer = 31337
    let used = false
    for (let attempt = 0; attempt < 100 && !used; attempt++) {
      await (await rpc.client()).getBlockNumber({ cacheTime: 0 })
      used = late.requests.flat().includes('eth_blockNumber')
      if (!used) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.ok(used, 'the late URL, first in order, serves once proven')
  })

  it('refuses every call once a URL answers with another chain id, until it is fixed', async () => {
    let answer: number | 'down' = 'down'
    const backup = await proxy(() => answer)
    const rpc = rpcFor([node.rpcUrl, backup.url])
    await rpc.client()
    answer = 1
    let refused = false
    for (let attempt = 0; attempt < 100 && !refused; attempt++) {
      refused = await rpc.client().then(
        () => false,
        (error) => error instanceof VerifierUnavailableError && /chain id 1,/.test(error.message),
      )
      if (!refused) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    assert.ok(refused)
    answer = 31337
    assert.equal(await (await rpc.client()).getChainId(), 31337)
  })
})
