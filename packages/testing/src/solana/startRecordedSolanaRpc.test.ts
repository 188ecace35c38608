import assert from 'node:assert/strict'
import { Connection, PublicKey } from '@solana/web3.js'
import { describeWithFixtures, fixturePath } from '../fixtures.js'
import { type RecordedSolanaRpc, startRecordedSolanaRpc } from './startRecordedSolanaRpc.js'

// Recorded mainnet responses: TX402_FIXTURES_DIR, or shared/ beside the repository.
const fixtures = `${fixturePath('solana')}/`
const mainnetGenesis = '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d'
const usdcTransfer =
  '2S2rTZjaqzxYRw9mnqzwtyqitKtSsnE8GVqLn1KrD5R2YpXZnU4GdjppsgfSAbrzJfaqadfi8CtrqEBy588WVQ3E'
const v0Swap =
  '435cogDHkQZXaqK5Vr9mPrk6vYiNS8eGCe5fe2ar4wABMzBUEzgLXHtKxLoqbUbBtj3PCX5iW9xiGk6k8YwaLinD'

describeWithFixtures('startRecordedSolanaRpc', () => {
  let rpc: RecordedSolanaRpc
  let connection: Connection

  before(async () => {
    rpc = await startRecordedSolanaRpc({
      genesisHash: mainnetGenesis,
      files: [
        `${fixtures}mainnet-usdc-transferchecked-new-ata.json`,
        `${fixtures}mainnet-v0-lookup-table-usdc-swap.json`,
      ],
    })
    connection = new Connection(rpc.rpcUrl, 'confirmed')
  })
  after(() => rpc.stop())

  it('keys each recorded transaction by its first signature and serves the genesis hash', async () => {
    assert.deepEqual(rpc.signatures, [usdcTransfer, v0Swap])
    assert.equal(rpc.network, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')
    assert.equal(await connection.getGenesisHash(), mainnetGenesis)
  })

  it('answers the recorded getTransaction, and null for another signature', async () => {
    const options = { commitment: 'confirmed', maxSupportedTransactionVersion: 0 } as const
    const tx = await connection.getParsedTransaction(usdcTransfer, options)
    assert.equal(tx?.slot, 184930610)
    assert.equal(
      tx?.meta?.postTokenBalances?.[0]?.owner,
      '3i476kTBBTy7pBGx4CXwJpJ6phuwLQgcwLTdHhU3c7ui',
    )
    const swap = await connection.getParsedTransaction(v0Swap, options)
    assert.equal(swap?.version, 0)
    assert.equal(swap?.transaction.message.accountKeys[16]?.source, 'lookupTable')
    assert.equal(await connection.getParsedTransaction(v0Swap.replace('4', '5'), options), null)
  })

  it('refuses a recorded v0 transaction to a client that does not ask for version 0', async () => {
    await assert.rejects(
      connection.getParsedTransaction(v0Swap, { commitment: 'confirmed' }),
      /maxSupportedTransactionVersion/,
    )
  })

  it('reports recorded transactions finalized and others unknown', async () => {
    const { value } = await connection.getSignatureStatuses([
      usdcTransfer,
      v0Swap.replace('4', '5'),
    ])
    assert.equal(value[0]?.confirmationStatus, 'finalized')
    assert.equal(value[0]?.slot, 184930610)
    assert.equal(value[1], null)
  })

  it('answers method not found for anything it has no recording of', async () => {
    const owner = new PublicKey('3i476kTBBTy7pBGx4CXwJpJ6phuwLQgcwLTdHhU3c7ui')
    await assert.rejects(connection.getBalance(owner), /Method not found/)
  })
})
