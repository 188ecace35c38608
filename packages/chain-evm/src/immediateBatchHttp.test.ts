import assert from 'node:assert/strict'
import { JsonRpcError, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/evm'
import { createPublicClient, fallback, type PublicClient, RpcRequestError } from 'viem'
import { batchFallbackFetch } from './batchFallback.js'
import { immediateBatchHttp } from './immediateBatchHttp.js'

describe('immediateBatchHttp', () => {
  let server: JsonRpcServer
  let client: PublicClient
  const answers = (method: string, params: readonly unknown[]) => {
    if (method === 'eth_chainId') return '0x2105'
    if (method === 'eth_blockNumber') return '0x10'
    if (method === 'eth_getBalance')
      return params[0] === '0x0000000000000000000000000000000000000001' ? '0x7' : '0x9'
    throw new JsonRpcError(-32601, `no ${method}`)
  }

  beforeEach(async () => {
    server = await serveJsonRpc(answers)
    client = createPublicClient({ transport: immediateBatchHttp(server.url), cacheTime: 0 })
  })
  afterEach(() => server.close())

  it('sends the calls started in one turn as one batch, each answered with its own result', async () => {
    const [chainId, head, one, two] = await Promise.all([
      client.getChainId(),
      client.getBlockNumber({ cacheTime: 0 }),
      client.getBalance({ address: '0x0000000000000000000000000000000000000001' }),
      client.getBalance({ address: '0x0000000000000000000000000000000000000002' }),
    ])
    assert.deepEqual([chainId, head, one, two], [8453, 16n, 7n, 9n])
    assert.deepEqual(server.requests, [
      ['eth_chainId', 'eth_blockNumber', 'eth_getBalance', 'eth_getBalance'],
    ])
  })

  it('sends calls awaited one after the other as requests of their own', async () => {
    await client.getChainId()
    await client.getBlockNumber({ cacheTime: 0 })
    assert.deepEqual(server.requests, [['eth_chainId'], ['eth_blockNumber']])
  })

  it('fails only the call the node answered with an error, as viem RpcRequestError', async () => {
    const [head, failed] = await Promise.allSettled([
      client.getBlockNumber({ cacheTime: 0 }),
      client.request({ method: 'eth_gasPrice' }),
    ])
    assert.deepEqual(head, { status: 'fulfilled', value: 16n })
    assert.equal(failed.status, 'rejected')
    const error = (failed as PromiseRejectedResult).reason as Error
    assert.ok(
      error instanceof RpcRequestError || error.cause instanceof RpcRequestError,
      String(error),
    )
    assert.match(error.message, /no eth_gasPrice/)
  })

  it('rejects every call of a batch when the node is unreachable, and fails over to the next URL', async () => {
    const dead = 'http://127.0.0.1:9' // discard port: nothing listens on loopback
    const alone = createPublicClient({
      transport: immediateBatchHttp(dead, { timeout: 2_000 }),
      cacheTime: 0,
    })
    const results = await Promise.allSettled([alone.getChainId(), alone.getBlockNumber()])
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    )
    const both = createPublicClient({
      transport: fallback([immediateBatchHttp(dead), immediateBatchHttp(server.url)]),
      cacheTime: 0,
    })
    assert.deepEqual(await Promise.all([both.getChainId(), both.getBlockNumber()]), [8453, 16n])
  })

  it('keeps working behind a provider that refuses batches (batchFallbackFetch)', async () => {
    const strict = await serveJsonRpc(answers, { batchLimit: { max: 1, answer: 'http-400' } })
    try {
      const split = createPublicClient({
        transport: immediateBatchHttp(strict.url, { fetchFn: batchFallbackFetch() }),
        cacheTime: 0,
      })
      assert.deepEqual(await Promise.all([split.getChainId(), split.getBlockNumber()]), [8453, 16n])
      assert.deepEqual(strict.requests, [
        ['refused batch of 2'],
        ['eth_chainId'],
        ['eth_blockNumber'],
      ])
    } finally {
      await strict.close()
    }
  })
})
