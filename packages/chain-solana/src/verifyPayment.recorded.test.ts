import assert from 'node:assert/strict'
import { Keypair } from '@solana/web3.js'
import type { WireAsset } from '@tx402/core'
import { judgeReport } from '@tx402/core/testing'
import {
  describeWithFixtures,
  fixturePath,
  type RecordedSolanaRpc,
  startRecordedSolanaRpc,
} from '@tx402/testing/solana'
import { sol, solanaNetworks } from './networks.js'
import { type SolanaPlugin, solana } from './solana.js'

// Recorded mainnet responses: TX402_FIXTURES_DIR, or shared/ beside the repository.
const fixtures = `${fixturePath('solana')}/`
const usdcTransfer =
  '2S2rTZjaqzxYRw9mnqzwtyqitKtSsnE8GVqLn1KrD5R2YpXZnU4GdjppsgfSAbrzJfaqadfi8CtrqEBy588WVQ3E'
const solTransfer =
  '5QMfuqThWSMMpLCRe3tk7qn7iSwWKfJV8EvD1ZPvyqAWa7Z2JftZ4rPq8YCxCwzSykX7dMkDB8RrovQMoL9ZZWKY'
const v0Swap =
  '435cogDHkQZXaqK5Vr9mPrk6vYiNS8eGCe5fe2ar4wABMzBUEzgLXHtKxLoqbUbBtj3PCX5iW9xiGk6k8YwaLinD'
const usdcReceiver = '3i476kTBBTy7pBGx4CXwJpJ6phuwLQgcwLTdHhU3c7ui'
const usdc = solanaNetworks['solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp']!.assets[0] as WireAsset

describeWithFixtures('verifyPayment on recorded mainnet transactions', () => {
  let rpc: RecordedSolanaRpc
  let plugin: SolanaPlugin

  before(async () => {
    rpc = await startRecordedSolanaRpc({
      genesisHash: '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d',
      files: [
        `${fixtures}mainnet-usdc-transferchecked-new-ata.json`,
        `${fixtures}mainnet-sol-transfer.json`,
        `${fixtures}mainnet-v0-lookup-table-usdc-swap.json`,
      ],
    })
    plugin = solana({ rpcUrl: rpc.rpcUrl, payTo: usdcReceiver })
  })
  after(() => rpc.stop())

  /** The plugin's facts, and what the engine makes of them. */
  const verify = async (
    txId: string,
    wanted: { amount: bigint; payTo?: string; asset?: WireAsset },
    challenge?: Parameters<SolanaPlugin['verify']>[0]['challenge'],
  ) => {
    const requirement = {
      asset: wanted.asset ?? usdc,
      amount: wanted.amount,
      payTo: wanted.payTo ?? usdcReceiver,
      maxAgeSeconds: 0,
    }
    const result = await plugin.verify({ txId, requirement, challenge })
    return { result, verdict: await judgeReport(result, { requirement, challenge }) }
  }
  const reason = async (...args: Parameters<typeof verify>) => (await verify(...args)).verdict

  it('checks that the RPC serves mainnet before verifying', async () => {
    assert.equal(plugin.network, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')
    await plugin.ready()
  })

  it('accepts the USDC transferChecked of 1000 base units for a price of 0.001 USDC', async () => {
    const { result, verdict } = await verify(usdcTransfer, { amount: 1000n })
    assert.equal(verdict, 'confirmed')
    assert.deepEqual(result, {
      status: 'confirmed',
      payer: '8fusVwhgo4oS1fGpZKeRaXrJXQk9auKnAgcj9A97wR3t',
      amount: 1000n,
      received: 1000n,
      blockTime: 1679899845,
    })
  })

  it('rejects the same transfer for a price of 0.01 USDC as insufficient_amount', async () => {
    assert.equal(await reason(usdcTransfer, { amount: 10_000n }), 'insufficient_amount')
  })

  it('rejects the same transfer for another payTo as wrong_recipient', async () => {
    const payTo = '8fusVwhgo4oS1fGpZKeRaXrJXQk9auKnAgcj9A97wR3t'
    assert.equal(await reason(usdcTransfer, { amount: 1000n, payTo }), 'wrong_recipient')
    const stranger = Keypair.generate().publicKey.toBase58()
    assert.equal(await reason(usdcTransfer, { amount: 1n, payTo: stranger }), 'wrong_recipient')
  })

  it('does not take the SOL transfer as a USDC payment, and takes it as a SOL one', async () => {
    const payTo = '2b7iQq3PbWwWTotRSDFNXT9DauU418aCHK4jcAzETUem'
    assert.equal(await reason(solTransfer, { amount: 1n, payTo }), 'wrong_asset')
    const { result, verdict } = await verify(solTransfer, { amount: 1_000_000n, payTo, asset: sol })
    assert.equal(verdict, 'confirmed')
    assert.deepEqual(result, {
      status: 'confirmed',
      payer: 'DT1mBDFsNBc1UXa25RdxNvnjL5Lro7su7gX1zpLyCmWe',
      amount: 1_000_000n,
      received: 1_000_000n,
      blockTime: 1680146043,
    })
  })

  it('counts a receiving account loaded from a lookup table in a v0 transaction', async () => {
    const payTo = 'HTvjzsfX3yU6BUodCjZ5vZkUrAxMDTrBs3CJaq43ashR'
    const { result, verdict } = await verify(v0Swap, { amount: 9_938_497n, payTo })
    assert.equal(verdict, 'confirmed')
    assert.equal(result.status === 'confirmed' && result.amount, 9_938_497n)
    assert.equal(
      result.status === 'confirmed' && result.payer,
      'AmDp48FLbRN76uQHG9rEjozoc28TJNcVGrvDEJvDuWBa',
    )
    assert.equal(await reason(v0Swap, { amount: 9_938_498n, payTo }), 'insufficient_amount')
  })

  it('rejects a recorded transfer for a challenge whose reference it does not carry', async () => {
    const challenge = { id: 'c1.x', issuedAt: 1679899845, reference: new Uint8Array(32).fill(7) }
    assert.equal(await reason(usdcTransfer, { amount: 1000n }, challenge), 'challenge_invalid')
  })

  it('answers tx_not_found for a signature that was never recorded', async () => {
    const unknown = `${usdcTransfer.slice(0, -1)}F`
    assert.equal(await reason(plugin.normalizeTxId(unknown), { amount: 1n }), 'tx_not_found')
  })
})
