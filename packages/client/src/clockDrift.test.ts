import assert from 'node:assert/strict'
import { Keypair } from '@solana/web3.js'
import { base } from '@tx402/chain-base'
import { solana } from '@tx402/chain-solana'
import { type ChainPlugin, memoryLedger, startupChecks } from '@tx402/core'
import type { JsonRpcServer } from '@tx402/testing/evm'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { memoryJournal } from './journal/memoryJournal.js'
import { driftingClockRpc } from './test/driftingClockRpc.js'
import { type EvmEnv, startEvmEnv } from './test/evmEnv.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from './test/solanaEnv.js'

/**
 * A chain whose clock runs behind the server's (solana #18992, #25668; EVM block timestamps
 * lag too): a payment made at once against a fresh challenge carries a block time older than
 * the challenge by more than clockSkewSeconds (60 s) on the server's clock, yet it is fresh in
 * the chain's own time.
 */
describe('freshness in the chain’s own time: a chain clock 120 s behind (callPaidEndpoint, anvil, litesvm)', function () {
  this.timeout(60_000)
  let baseEnv: EvmEnv
  let solanaEnv: SolanaEnv
  const servers: (PaidApp | JsonRpcServer)[] = []

  before(async () => {
    ;[baseEnv, solanaEnv] = await Promise.all([startEvmEnv(8453), startSolanaEnv()])
    // anvil stamps every later block from this time on: its clock runs 120 s behind.
    await baseEnv.node.testClient.request({
      method: 'anvil_setTime' as never,
      params: [Math.floor(Date.now() / 1000) - 120] as never,
    })
  })
  after(async () => {
    await Promise.all(servers.map((server) => ('stop' in server ? server.stop() : server.close())))
    await Promise.all([baseEnv?.stop(), solanaEnv?.stop()])
  })

  const serve = async (chain: ChainPlugin) => {
    const app = await startPaidApp({ chains: [chain] })
    servers.push(app)
    return app
  }
  /** health() of a route on `chain`: the offset it reports. */
  const offsetOf = async (chain: ChainPlugin) => {
    const health = await startupChecks({ chains: [chain], ledger: memoryLedger() }).health()
    assert.equal(health.chains[0]?.ok, true)
    return health.chains[0]?.clockOffsetSeconds
  }

  it('on Base (anvil’s blocks stamped 120 s early): served at once, one Transfer', async () => {
    const payTo = baseEnv.freshPayTo()
    const chain = base({
      rpcUrl: baseEnv.node.rpcUrl,
      payTo,
      assets: [{ standard: 'erc20', address: baseEnv.usdc, symbol: 'USDC', decimals: 6 }],
    })
    const app = await serve(chain)
    const response = await callPaidEndpoint(
      app.url,
      {},
      { payers: [baseEnv.payer], journal: memoryJournal() },
    )
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(response.headers)
    const block = await baseEnv.publicClient.getTransactionReceipt({
      hash: transaction as `0x${string}`,
    })
    const { timestamp } = await baseEnv.publicClient.getBlock({ blockNumber: block.blockNumber })
    assert.ok(Number(timestamp) < Date.now() / 1000 - 100, 'the block is stamped 120 s behind')
    assert.deepEqual(
      (await baseEnv.transfersTo(payTo)).map((t) => t.transactionHash),
      [transaction],
    )
    const offset = await offsetOf(chain)
    assert.ok(offset !== undefined && offset <= -115 && offset >= -125, `offset ${offset}`)
  })

  it('on Solana (block times 120 s behind through the RPC): served at once, one transfer', async () => {
    const rpc = await driftingClockRpc(solanaEnv.rpc.rpcUrl, 120)
    servers.push(rpc)
    const payTo = Keypair.generate().publicKey
    const chain = solana({
      rpcUrl: rpc.url,
      network: solanaEnv.rpc.network,
      payTo: payTo.toBase58(),
      assets: [{ standard: 'spl', mint: solanaEnv.mint.toBase58(), symbol: 'USDC', decimals: 6 }],
    })
    const app = await serve(chain)
    const response = await callPaidEndpoint(
      app.url,
      {},
      { payers: [solanaEnv.payer], journal: memoryJournal() },
    )
    assert.equal(response.status, 200)
    assert.equal(await solanaEnv.balanceOf(payTo), 10_000n, 'one transfer of the price')
    // litesvm's latest block time is its latest transaction's: the payment's, just now.
    const offset = await offsetOf(chain)
    assert.ok(offset !== undefined && offset <= -115 && offset >= -130, `offset ${offset}`)
  })
})
