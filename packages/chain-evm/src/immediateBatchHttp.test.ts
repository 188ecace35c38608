import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
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
  it('matches answers by id only: an answer under an id the batch did not send belongs to no call', async () => {
    // A node that answers every call, in order, under ids it made up.
    const renumbering = await answerBatchesWith((calls) =>
      calls.map((call, index) => ({
        jsonrpc: '2.0',
        id: call.id + 1_000,
        result: `0x${index + 16}`,
      })),
    )
    try {
      const node = createPublicClient({
        transport: immediateBatchHttp(renumbering.url),
        cacheTime: 0,
      })
      const settled = await Promise.allSettled([
        node.getChainId(),
        node.getBlockNumber({ cacheTime: 0 }),
      ])
      for (const one of settled) {
        assert.equal(one.status, 'rejected')
        assert.match(String((one as PromiseRejectedResult).reason), /no result for this call/)
      }
    } finally {
      renumbering.server.close()
    }
  })

  it("matches an answer whose id the node echoed as a string, as viem's own batch does", async () => {
    // Not what JSON-RPC asks (the same id, the same type), but some gateways re-encode ids; viem's
    // http transport sorted answers by id numerically and took them.
    const stringy = await answerBatchesWith((calls) =>
      calls.map((call, index) => ({
        jsonrpc: '2.0',
        id: String(call.id),
        result: `0x${(index + 16).toString(16)}`,
      })),
    )
    try {
      const node = createPublicClient({ transport: immediateBatchHttp(stringy.url), cacheTime: 0 })
      assert.deepEqual(
        await Promise.all([node.getChainId(), node.getBlockNumber({ cacheTime: 0 })]),
        [16, 17n],
      )
    } finally {
      stringy.server.close()
    }
  })

  it('gives a batch refused as a whole (one error, no id) to every call of it', async () => {
    const refusing = await answerBatchesWith(() => ({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32005, message: 'batch too large' },
    }))
    try {
      const node = createPublicClient({ transport: immediateBatchHttp(refusing.url), cacheTime: 0 })
      const settled = await Promise.allSettled([
        node.getChainId(),
        node.getBlockNumber({ cacheTime: 0 }),
      ])
      for (const one of settled) {
        assert.equal(one.status, 'rejected')
        assert.match(String((one as PromiseRejectedResult).reason), /batch too large/)
      }
    } finally {
      refusing.server.close()
    }
  })
})

/** A loopback JSON-RPC node whose answer to every batch is `answer(calls)`, as it is. */
async function answerBatchesWith(
  answer: (calls: { id: number }[]) => unknown,
): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk) => {
      body += chunk
    })
    request.on('end', () => {
      const parsed = JSON.parse(body)
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify(answer(Array.isArray(parsed) ? parsed : [parsed])))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}
