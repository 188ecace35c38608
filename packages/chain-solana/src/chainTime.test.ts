import assert from 'node:assert/strict'
import { Connection } from '@solana/web3.js'
import { VerifierUnavailableError } from '@tx402/core'
import { JsonRpcError, type JsonRpcServer, serveJsonRpc } from '@tx402/testing/solana'
import { chainTime } from './chainTime.js'
import { rpcSource } from './rpcSource.js'

describe('chainTime: the cluster’s own clock', () => {
  let server: JsonRpcServer | undefined
  afterEach(() => server?.close())

  /** A node at slot 1,000 whose slots in `skipped` have no block, each slot 0.4 s apart. */
  const node = async (skipped: ReadonlySet<number>, fault = false) => {
    server = await serveJsonRpc((method, params) => {
      if (fault) throw new JsonRpcError(-32603, 'internal error')
      if (method === 'getSlot') return 1_000
      if (method === 'getBlockTime') {
        const slot = Number(params[0])
        if (skipped.has(slot)) {
          throw new JsonRpcError(
            -32009,
            `Slot ${slot} was skipped, or missing in long-term storage`,
          )
        }
        return 1_700_000_000 + Math.floor(slot * 0.4)
      }
      throw new JsonRpcError(-32601, 'Method not found')
    })
    return new Connection(server.url, 'confirmed')
  }
  const source = rpcSource('solana')

  it('reads the block time of the latest slot', async () => {
    assert.equal(await chainTime(await node(new Set()), 'confirmed', source), 1_700_000_400)
  })

  it('steps back over skipped slots to the latest one with a block', async () => {
    const connection = await node(new Set([1_000, 999]))
    assert.equal(await chainTime(connection, 'confirmed', source), 1_700_000_399)
  })

  it('says nothing when none of the last slots has a block, and throws a fault as 503', async () => {
    const connection = await node(new Set([1_000, 999, 998, 997]))
    assert.equal(await chainTime(connection, 'confirmed', source), undefined)
    await server?.close()
    await assert.rejects(
      chainTime(await node(new Set(), true), 'confirmed', source),
      VerifierUnavailableError,
    )
  })
})
