import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getAssociatedTokenAddressSync } from '@solana/spl-token'
import { ConfigurationError, memoryLedger } from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { type LocalChain, startLocalChain } from './test/localChain.js'

const secret = 'solana-startup-secret-at-least-32-bytes!'

describe('the startup check on the litesvm RPC (paid.ready)', () => {
  let chain: LocalChain
  before(async () => {
    chain = await startLocalChain()
  })
  after(() => chain.stop())

  const route = (overrides: Parameters<LocalChain['plugin']>[0]) =>
    paymentRequired({
      price: '0.01',
      asset: 'USDC',
      chains: [chain.plugin({ timeoutMs: 1_000, ...overrides })],
      ledger: memoryLedger(),
      secret,
    })

  it('passes for a wallet payTo, even one the chain has never seen', async () => {
    await route({}).ready()
  })

  it('refuses a token account as payTo', async () => {
    const tokenAccount = getAssociatedTokenAddressSync(chain.usdc, chain.payer.publicKey)
    const paid = route({ payTo: tokenAccount.toBase58() })
    await assert.rejects(paid.ready(), (error: Error) => {
      assert.ok(error instanceof ConfigurationError)
      assert.match(error.message, /is a token account or a mint/)
      return true
    })
  })

  it('refuses a mint of another asset as payTo (owned by the Token program)', async () => {
    await assert.rejects(
      route({ payTo: chain.other.toBase58() }).ready(),
      /is a token account or a mint/,
    )
  })

  it('refuses the accepted mint as payTo at setup', () => {
    assert.throws(() => chain.plugin({ payTo: chain.usdc.toBase58() }), /is the USDC mint itself/)
  })

  it('fails naming the chain when the RPC serves another network', async () => {
    await assert.rejects(
      route({ network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp' }).ready(),
      /- solana \(solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp\): The solana RPC serves another network/,
    )
  })

  it('fails naming the chain when the RPC is unreachable', async () => {
    await assert.rejects(
      route({ rpcUrl: 'http://127.0.0.1:9' }).ready(),
      /- solana-local \(solana:\w+\): The solana-local RPC failed while/,
    )
  })

  it("reports an RPC that refuses its key, keeping the server's answer out of health (often public)", async () => {
    // A provider that echoes the request, key included, in its refusal.
    const server = createServer((request, response) => {
      response.writeHead(401).end(`invalid api key in ${request.url}`)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const paid = route({ rpcUrl: `http://127.0.0.1:${port}/?api-key=SECRETKEY` })
      await assert.rejects(paid.ready(), (error: Error) => {
        assert.match(error.message, /- solana-local \(solana:\w+\): The solana-local RPC failed/)
        assert.match(error.message, /401/)
        return true
      })
      const health = await paid.health()
      assert.equal(health.ok, false)
      assert.match(health.chains[0]!.error!, /The solana-local RPC failed while/)
      assert.doesNotMatch(JSON.stringify(health), /SECRETKEY|401|invalid api key/)
    } finally {
      server.close()
    }
  })
})
