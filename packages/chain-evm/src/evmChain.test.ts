import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { ConfigurationError, VerifierUnavailableError, type VerifyContext } from '@tx402/core'
import {
  type AnvilNode,
  deployTestToken,
  forwardJsonRpc,
  type JsonRpcServer,
  recordedChain,
  serveJsonRpc,
  startAnvil,
  testTokenAbi,
} from '@tx402/testing/evm'
import type { Address, Hex } from 'viem'
import { evmChain } from './evmChain.js'
import type { EvmChainOptions } from './resolveOptions.js'

const payTo = '0x000000000000000000000000000000000000bEEF'
const usdc = {
  standard: 'erc20',
  address: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
  symbol: 'USDC',
  decimals: 6,
} as const
const valid: EvmChainOptions = {
  name: 'base',
  network: 'eip155:8453',
  rpcUrls: ['https://rpc.example/v2/secret-key'],
  payTo,
  assets: [usdc],
}

describe('evmChain options', () => {
  const fails = (overrides: Record<string, unknown>, pattern?: RegExp) =>
    assert.throws(
      () => evmChain({ ...valid, ...overrides } as EvmChainOptions),
      (error: Error) => {
        assert.ok(error instanceof ConfigurationError, String(error))
        if (pattern) assert.match(error.message, pattern)
        assert.ok(!error.message.includes('secret-key'), 'an RPC URL is never echoed')
        return true
      },
    )

  it('fails at setup without payTo, or with a malformed, mis-checksummed or zero payTo', () => {
    fails({ payTo: undefined }, /payTo is required/)
    fails({ payTo: '0x1234' }, /payTo/)
    fails({ payTo: '0x000000000000000000000000000000000000BeeF' }, /checksum/)
    fails({ payTo: '0x0000000000000000000000000000000000000000' }, /zero/)
  })

  it('fails at setup without an RPC URL, or with one that is not http(s), without echoing it', () => {
    fails({ rpcUrls: [] }, /RPC URL is required/)
    fails({ rpcUrls: undefined }, /RPC URL is required/)
    fails({ rpcUrls: ['wss://rpc.example/secret-key'] }, /rpcUrls\[0\]/)
    fails({ rpcUrls: ['https://rpc.example/ok', 'secret-key'] }, /rpcUrls\[1\]/)
  })

  it('fails at setup for a network that is not eip155:<chain id>', () => {
    for (const network of [
      'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
      'eip155:',
      'eip155:0x2105',
      '8453',
    ]) {
      fails({ network }, /network/)
    }
  })

  it('fails at setup for an SPL asset, a bad token address, a repeated symbol or bad decimals', () => {
    fails({ assets: [] }, /asset/)
    fails(
      { assets: [{ standard: 'spl', mint: 'x', symbol: 'USDC', decimals: 6 }] },
      /erc20 or native/,
    )
    fails({ assets: [{ ...usdc, address: '0xnothex' }] }, /assets\[0\]\.address/)
    fails({ assets: [usdc, { ...usdc, symbol: 'usdc' }] }, /twice/)
    fails({ assets: [{ ...usdc, decimals: 6.5 }] }, /decimals/)
  })

  it('fails at setup for confirmations below 1, a negative age or an unknown finality', () => {
    fails({ confirmations: 0 }, /confirmations/)
    fails({ maxAgeSeconds: -1 }, /maxAgeSeconds/)
    fails({ timeoutMs: 0 }, /timeoutMs/)
    fails({ finality: 'probably' }, /finality/)
  })

  it('refuses clockSkewSeconds, which the engine alone takes now, naming where it moved', () => {
    fails({ clockSkewSeconds: 60 }, /clockSkewSeconds is an option of paymentRequired/)
  })

  it('normalizes payTo and token addresses to their checksum form', () => {
    const chain = evmChain({
      ...valid,
      payTo: payTo.toLowerCase(),
      assets: [{ ...usdc, address: usdc.address.toLowerCase() }],
    })
    assert.equal(chain.payTo, payTo)
    assert.equal(chain.assets[0]?.standard === 'erc20' && chain.assets[0].address, usdc.address)
  })

  it('offers its confirmations as minConfirmations, with defaults written in the docs', () => {
    const chain = evmChain(valid)
    assert.deepEqual(chain.acceptsFields({ id: 'c', issuedAt: 0, reference: new Uint8Array(32) }), {
      minConfirmations: 1,
    })
    assert.equal(chain.maxAgeSeconds, 900)
    assert.equal(chain.finality, 'latest')
    assert.equal(
      evmChain({ ...valid, confirmations: 5 }).acceptsFields({
        id: 'c',
        issuedAt: 0,
        reference: new Uint8Array(32),
      }).minConfirmations,
      5,
    )
  })
})

describe('evmChain against an RPC', function () {
  this.timeout(60_000)
  let node: AnvilNode
  let token: Address
  let paid: Hex
  const servers: { close(): Promise<void> }[] = []
  const serve = async (server: Promise<JsonRpcServer>) => {
    const started = await server
    servers.push(started)
    return started
  }
  const chainFor = (rpcUrls: string[], extra: Partial<EvmChainOptions> = {}) =>
    evmChain({
      name: 'anvil',
      network: `eip155:${node.chainId}`,
      rpcUrls,
      payTo,
      assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
      ...extra,
    })
  const context = (txId: Hex): VerifyContext => ({
    txId,
    requirement: {
      asset: { standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 },
      amount: 1_000_000n,
      payTo,
      maxAgeSeconds: 0,
    },
  })

  before(async () => {
    node = await startAnvil()
    token = await deployTestToken(node, { mint: [[node.accounts[1]!.address, 10_000_000n]] })
    paid = await node.wallet(1).writeContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [payTo, 1_000_000n],
    })
    await node.publicClient.waitForTransactionReceipt({ hash: paid, pollingInterval: 20 })
  })
  after(async () => {
    await Promise.all(servers.map((server) => server.close()))
    await node?.stop()
  })

  it('proves eth_chainId once on its own, then asks it only inside verification batches', async () => {
    const proxy = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl)))
    const chain = chainFor([proxy.url])
    await Promise.all([chain.ready(), chain.ready()])
    await chain.ready()
    for (let i = 0; i < 3; i++) {
      assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    }
    assert.equal(chainIdChecks(proxy), 1)
    assert.equal(proxy.requests.flat().filter((method) => method === 'eth_chainId').length, 4)
  })

  it('answers 503, never tx_not_found, while its proven RPC serves another chain, until it is right again', async () => {
    const other = await startAnvil({ chainId: 8453 })
    servers.push({ close: () => other.stop() })
    // A load balancer an operator re-points: the URL stays, the chain behind it changes.
    let target = node.rpcUrl
    const proxy = await serve(
      serveJsonRpc((method, params) => forwardJsonRpc(target)(method, params)),
    )
    const chain = chainFor([proxy.url])
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    target = other.rpcUrl
    for (let attempt = 0; attempt < 2; attempt++) {
      await assert.rejects(chain.verify(context(paid)), (error: Error) => {
        assert.ok(error instanceof VerifierUnavailableError, String(error))
        assert.match(error.message, /serves chain id 8453, not 31337/)
        return true
      })
    }
    target = node.rpcUrl
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    // Proven at first, re-checked after the mismatch (still wrong), then once it was right again.
    assert.equal(chainIdChecks(proxy), 3)
  })

  it('never accepts a receipt from an RPC re-pointed at another chain, even right after a right answer', async () => {
    // Another chain that holds a matching receipt (a fork, a testnet with the same contracts):
    // only its chain id tells it apart.
    let wrong = false
    const forward = forwardJsonRpc(node.rpcUrl)
    const proxy = await serve(
      serveJsonRpc((method, params) =>
        wrong && method === 'eth_chainId' ? Promise.resolve('0x2105') : forward(method, params),
      ),
    )
    const chain = chainFor([proxy.url])
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    wrong = true
    await assert.rejects(chain.verify(context(paid)), (error: Error) => {
      assert.ok(error instanceof VerifierUnavailableError, String(error))
      assert.match(error.message, /serves chain id 8453, not 31337/)
      return true
    })
  })

  it('asks again after the chain id check failed', async () => {
    let down = true
    const proxy = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl, { refuse: () => down })))
    const chain = chainFor([proxy.url], { retryCount: 0 })
    await assert.rejects(chain.ready(), VerifierUnavailableError)
    await assert.rejects(chain.verify(context(paid)), VerifierUnavailableError)
    down = false
    await chain.ready()
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
  })

  it('refuses to verify when any of its RPC URLs serves another chain', async () => {
    const mainnet = await serve(serveJsonRpc(recordedChain({ chainId: 1, head: 1n })))
    const chain = chainFor([node.rpcUrl, mainnet.url])
    await assert.rejects(chain.ready(), /serves chain id 1, not 31337/)
    await assert.rejects(chain.verify(context(paid)), VerifierUnavailableError)
  })

  it('fails over to the next proven RPC URL when the first goes down', async () => {
    let down = false
    const first = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl, { refuse: () => down })))
    const chain = chainFor([first.url, node.rpcUrl])
    await chain.ready()
    down = true
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    assert.ok(
      first.requests.flat().includes('eth_getTransactionReceipt'),
      'the first URL was tried',
    )
  })

  it('never verifies through a URL that has not shown its chain id', async () => {
    // Answers everything but eth_chainId, as a misconfigured or hostile endpoint might.
    const refuse = (method: string) => method === 'eth_chainId'
    const unproven = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl, { refuse })))
    const chain = chainFor([unproven.url, node.rpcUrl])
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    assert.deepEqual([...new Set(unproven.requests.flat())], ['eth_chainId'])
  })

  it('turns an RPC that never answers into VerifierUnavailableError after timeoutMs', async () => {
    const silent = await silentServer()
    servers.push(silent)
    const chain = chainFor([silent.url], { timeoutMs: 200, retryCount: 0 })
    await assert.rejects(chain.ready(), (error: Error) => {
      assert.ok(error instanceof VerifierUnavailableError)
      assert.match(error.shortMessage, /TimeoutError/)
      return true
    })
  })

  it('keeps the RPC URL, and the key in it, out of its errors', async () => {
    const url = `${await closedPortUrl()}/v2/secret-api-key`
    const chain = chainFor([url], { retryCount: 0 })
    for (const attempt of [chain.ready(), chain.verify(context(paid))]) {
      await assert.rejects(attempt, (error: Error) => {
        assert.ok(error instanceof VerifierUnavailableError)
        assert.ok(!error.message.includes('secret-api-key'), error.message)
        assert.ok(!error.message.includes(url), error.message)
        return true
      })
    }
  })

  it('verifies a confirmed payment in one round trip when the node attaches block times', async () => {
    const proxy = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl)))
    const chain = chainFor([proxy.url])
    await chain.ready()
    const before = proxy.requests.length
    assert.equal((await chain.verify(context(paid))).status, 'confirmed')
    const trips = proxy.requests.slice(before)
    assert.equal(trips.length, 1)
    assert.deepEqual([...trips[0]!].sort(), [
      'eth_blockNumber',
      'eth_chainId',
      'eth_getTransactionReceipt',
    ])
  })

  it('brings the latest block’s time along in that one round trip when the engine’s clock asks', async () => {
    const proxy = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl)))
    const chain = chainFor([proxy.url])
    await chain.ready()
    const before = proxy.requests.length
    const result = await chain.verify({ ...context(paid), chainTime: true })
    assert.equal(result.status, 'confirmed')
    // The head's time: no older than the payment's block, no newer than the head now.
    const latest = await node.publicClient.getBlock({ blockTag: 'latest' })
    const chainTime = result.status === 'confirmed' ? result.chainTime : undefined
    assert.ok(chainTime !== undefined && result.status === 'confirmed')
    assert.ok(chainTime >= result.blockTime && chainTime <= Number(latest.timestamp))
    const trips = proxy.requests.slice(before)
    assert.equal(trips.length, 1)
    assert.deepEqual([...trips[0]!].sort(), [
      'eth_chainId',
      'eth_getBlockByNumber',
      'eth_getTransactionReceipt',
    ])
  })

  it('looks a missing receipt up as a transaction in a second round trip', async () => {
    const proxy = await serve(serveJsonRpc(forwardJsonRpc(node.rpcUrl)))
    const chain = chainFor([proxy.url])
    await chain.ready()
    const before = proxy.requests.length
    const result = await chain.verify(context(`0x${'cd'.repeat(32)}`))
    assert.equal(result.status === 'invalid' && result.reason, 'tx_not_found')
    assert.deepEqual(
      proxy.requests.slice(before).map((methods) => [...methods].sort()),
      // "Not found" only from an RPC that shows the right chain id in the same verification.
      [
        ['eth_blockNumber', 'eth_chainId', 'eth_getTransactionReceipt'],
        ['eth_getTransactionByHash'],
      ],
    )
  })
})

/** Round trips that asked only `eth_chainId`: the checks that prove a URL. */
function chainIdChecks(proxy: JsonRpcServer): number {
  return proxy.requests.filter((methods) => methods.join() === 'eth_chainId').length
}

/** A loopback URL on which nothing listens: connections are refused. */
async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return `http://127.0.0.1:${port}`
}

/** A loopback server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
