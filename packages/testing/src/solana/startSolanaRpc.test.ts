import assert from 'node:assert/strict'
import {
  getAssociatedTokenAddressSync,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token'
import { Connection, Keypair, type PublicKey, SystemProgram, Transaction } from '@solana/web3.js'
import { sendTransfer } from './sendTransfer.js'
import type { SolanaRpc } from './solanaRpcTypes.js'
import { localGenesisHash, startSolanaRpc } from './startSolanaRpc.js'

describe('startSolanaRpc', () => {
  let rpc: SolanaRpc
  let connection: Connection
  let payer: Keypair
  let mint: PublicKey

  before(async () => {
    rpc = await startSolanaRpc({ landAt: 'confirmed' })
    connection = new Connection(rpc.rpcUrl, 'confirmed')
    payer = Keypair.generate()
    rpc.fund(payer.publicKey, 10_000_000_000n)
    mint = rpc.createMint({ decimals: 6 })
    rpc.mintTo({ mint, owner: payer.publicKey, amount: 5_000_000n })
  })
  after(() => rpc.stop())

  const parsed = (signature: string, commitment: 'confirmed' | 'finalized' = 'confirmed') =>
    connection.getParsedTransaction(signature, { commitment, maxSupportedTransactionVersion: 0 })

  it('answers its genesis hash, and the network is solana: and its first 32 characters', async () => {
    assert.equal(await connection.getGenesisHash(), localGenesisHash)
    assert.equal(rpc.network, `solana:${localGenesisHash.slice(0, 32)}`)
    const other = await startSolanaRpc({
      genesisHash: '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d',
    })
    try {
      assert.equal(other.network, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')
      assert.equal(
        await new Connection(other.rpcUrl).getGenesisHash(),
        '5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d',
      )
    } finally {
      await other.stop()
    }
  })

  it('lands a transferChecked and reports token balances by owner and mint, without a pre entry for a new account', async () => {
    const to = Keypair.generate().publicKey
    const signature = await sendTransfer(connection, { payer, to, mint, amount: 1234n })
    const tx = await parsed(signature)
    assert.ok(tx?.meta)
    assert.equal(tx.meta.err, null)
    assert.equal(tx.transaction.signatures[0], signature)
    const destination = getAssociatedTokenAddressSync(mint, to).toBase58()
    const keys = tx.transaction.message.accountKeys.map((key) => key.pubkey.toBase58())
    const index = keys.indexOf(destination)
    assert.ok(index > 0)
    assert.equal(
      tx.meta.preTokenBalances?.some((b) => b.accountIndex === index),
      false,
    )
    const received = tx.meta.postTokenBalances?.find((b) => b.accountIndex === index)
    assert.deepEqual(received, {
      accountIndex: index,
      mint: mint.toBase58(),
      owner: to.toBase58(),
      programId: TOKEN_PROGRAM_ID.toBase58(),
      uiTokenAmount: {
        amount: '1234',
        decimals: 6,
        uiAmount: 0.001234,
        uiAmountString: '0.001234',
      },
    })
    const sent = tx.meta.postTokenBalances?.find((b) => b.owner === payer.publicKey.toBase58())
    assert.equal(sent?.uiTokenAmount.amount, String(5_000_000 - 1234))
    assert.equal(tx.meta.preBalances.length, keys.length)
    assert.equal(
      tx.meta.postBalances[index],
      await connection.getBalance(getAssociatedTokenAddressSync(mint, to)),
    )
    assert.equal(typeof tx.blockTime, 'number')
    assert.equal(
      (await connection.getTokenAccountBalance(getAssociatedTokenAddressSync(mint, to))).value
        .amount,
      '1234',
    )
  })

  it('lists lookup-table keys after the static keys of a v0 transaction', async () => {
    const to = Keypair.generate().publicKey
    const destination = getAssociatedTokenAddressSync(mint, to)
    const table = rpc.createLookupTable([mint, destination])
    const signature = await sendTransfer(connection, {
      payer,
      to,
      mint,
      amount: 7n,
      lookupTable: table,
    })
    const tx = await parsed(signature)
    assert.equal(tx?.version, 0)
    const keys = tx!.transaction.message.accountKeys
    const loaded = keys
      .filter((key) => key.source === 'lookupTable')
      .map((k) => k.pubkey.toBase58())
    assert.deepEqual(loaded.sort(), [destination.toBase58(), mint.toBase58()].sort())
    assert.equal(keys.at(-1)?.source, 'lookupTable')
    assert.equal(
      tx!.transaction.message.addressTableLookups?.[0]?.accountKey.toBase58(),
      table.toBase58(),
    )
    const index = keys.findIndex((key) => key.pubkey.equals(destination))
    const entry = tx!.meta?.postTokenBalances?.find((b) => b.accountIndex === index)
    assert.equal(entry?.owner, to.toBase58())
    assert.equal(entry?.uiTokenAmount.amount, '7')
  })

  it('refuses a failing transaction at preflight, and records it with meta.err without preflight', async () => {
    const to = Keypair.generate().publicKey
    const tooMuch = { payer, to, mint, amount: 10n ** 15n }
    await assert.rejects(sendTransfer(connection, tooMuch), /simulation failed/i)
    const signature = await sendTransfer(connection, { ...tooMuch, skipPreflight: true })
    const tx = await parsed(signature)
    assert.deepEqual(tx?.meta?.err, { InstructionError: [1, { Custom: 1 }] })
    const status = (await connection.getSignatureStatuses([signature])).value[0]
    assert.deepEqual(status?.err, { InstructionError: [1, { Custom: 1 }] })
  })

  it('answers getTransaction only at or below the commitment a transaction reached', async () => {
    const signature = await sendTransfer(connection, {
      payer,
      to: Keypair.generate().publicKey,
      mint,
      amount: 1n,
    })
    assert.equal(await parsed(signature, 'finalized'), null)
    const status = (await connection.getSignatureStatuses([signature])).value[0]
    assert.equal(status?.confirmationStatus, 'confirmed')
    rpc.setCommitment(signature, 'finalized')
    assert.equal((await parsed(signature, 'finalized'))?.transaction.signatures[0], signature)
    assert.equal(
      (await connection.getSignatureStatuses([signature])).value[0]?.confirmationStatus,
      'finalized',
    )
    assert.equal(
      (await connection.getSignatureStatuses([Keypair.generate().publicKey.toBase58().repeat(2)]))
        .value[0],
      null,
    )
  })

  it('refuses a v0 transaction to a client that does not ask for version 0', async () => {
    const to = Keypair.generate().publicKey
    const table = rpc.createLookupTable([mint])
    const signature = await sendTransfer(connection, {
      payer,
      to,
      mint,
      amount: 1n,
      lookupTable: table,
    })
    await assert.rejects(
      connection.getParsedTransaction(signature, { commitment: 'confirmed' }),
      /maxSupportedTransactionVersion/,
    )
  })

  it('runs Token-2022 with a transfer fee: the fee is withheld from what the receiver gets', async () => {
    const feeMint = rpc.createMint({
      decimals: 6,
      tokenProgram: 'token-2022',
      transferFee: { basisPoints: 100, maximumFee: 1_000_000n },
    })
    assert.ok((await connection.getAccountInfo(feeMint))?.owner.equals(TOKEN_2022_PROGRAM_ID))
    rpc.mintTo({ mint: feeMint, owner: payer.publicKey, amount: 1_000_000n })
    const to = Keypair.generate().publicKey
    const signature = await sendTransfer(connection, { payer, to, mint: feeMint, amount: 10_000n })
    const tx = await parsed(signature)
    const entry = tx?.meta?.postTokenBalances?.find((b) => b.owner === to.toBase58())
    assert.equal(entry?.programId, TOKEN_2022_PROGRAM_ID.toBase58())
    assert.equal(entry?.uiTokenAmount.amount, '9900')
  })

  it('gives each slot a new blockhash, refuses a transaction sent twice and an unknown blockhash', async () => {
    const to = Keypair.generate().publicKey
    const first = await connection.getLatestBlockhash()
    await sendTransfer(connection, { payer, to, mint, amount: 5n })
    assert.notEqual((await connection.getLatestBlockhash()).blockhash, first.blockhash)
    // The same transfer again is a new transaction under the new blockhash.
    await sendTransfer(connection, { payer, to, mint, amount: 5n })
    const tx = new Transaction({ feePayer: payer.publicKey, recentBlockhash: first.blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }),
    )
    tx.sign(payer)
    // Older blockhashes stay valid for a while, as on a real cluster.
    await connection.sendRawTransaction(tx.serialize())
    await assert.rejects(connection.sendRawTransaction(tx.serialize()), /AlreadyProcessed/)
    const stale = new Transaction({
      feePayer: payer.publicKey,
      recentBlockhash: Keypair.generate().publicKey.toBase58(),
    }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: to, lamports: 1_000_000 }),
    )
    stale.sign(payer)
    await assert.rejects(connection.sendRawTransaction(stale.serialize()), /BlockhashNotFound/)
  })

  it('answers account, balance and rent queries as a node does', async () => {
    const fresh = Keypair.generate().publicKey
    assert.equal(await connection.getBalance(fresh), 0)
    assert.equal(await connection.getAccountInfo(fresh), null)
    rpc.fund(fresh, 2_000_000n)
    assert.equal(await connection.getBalance(fresh), 2_000_000)
    const mintInfo = await connection.getAccountInfo(mint)
    assert.ok(mintInfo?.owner.equals(TOKEN_PROGRAM_ID))
    assert.equal(mintInfo?.data.length, 82)
    assert.equal(await connection.getMinimumBalanceForRentExemption(165), 2_039_280)
    await assert.rejects(connection.getTokenAccountBalance(mint), /not a Token account/)
    assert.ok((await connection.getLatestBlockhash()).blockhash.length >= 32)
    assert.ok((await connection.getSlot()) > 0)
  })

  it('holds requests while stalled, and answers them once released', async () => {
    rpc.stall(true)
    const slow = new Connection(rpc.rpcUrl, {
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(200) }),
    })
    await assert.rejects(slow.getSlot())
    const pending = connection.getSlot()
    rpc.stall(false)
    assert.equal(typeof (await pending), 'number')
  })
})
