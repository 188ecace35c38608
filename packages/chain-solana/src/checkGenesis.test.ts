import assert from 'node:assert/strict'
import { VerifierUnavailableError } from '@tx402/core'
import { type SolanaRpc, startSolanaRpc } from '@tx402/testing/solana'
import { checkGenesis } from './checkGenesis.js'
import { createConnection } from './createConnection.js'
import { rpcSource } from './rpcSource.js'

describe('checkGenesis (ready)', () => {
  let rpc: SolanaRpc

  before(async () => {
    rpc = await startSolanaRpc()
  })
  after(() => rpc.stop())

  const connect = (timeoutMs = 5000) =>
    createConnection({ rpcUrl: rpc.rpcUrl, commitment: 'confirmed', timeoutMs })

  it('passes when the genesis hash matches the network, and asks the RPC only once', async () => {
    const ready = checkGenesis(connect(), rpc.network, rpcSource('solana'))
    await ready()
    rpc.stall(true)
    try {
      await ready()
    } finally {
      rpc.stall(false)
    }
  })

  it('throws VerifierUnavailableError for an RPC of another network', async () => {
    const ready = checkGenesis(
      connect(),
      'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
      rpcSource('solana'),
    )
    await assert.rejects(ready(), (error: unknown) => {
      assert.ok(error instanceof VerifierUnavailableError)
      assert.match(error.shortMessage, /another network than solana:5eykt4/)
      return true
    })
  })

  it('throws VerifierUnavailableError when the RPC does not answer, and checks again next time', async () => {
    const ready = checkGenesis(connect(200), rpc.network, rpcSource('solana'))
    rpc.stall(true)
    try {
      await assert.rejects(ready(), VerifierUnavailableError)
    } finally {
      rpc.stall(false)
    }
    await ready()
  })
})
