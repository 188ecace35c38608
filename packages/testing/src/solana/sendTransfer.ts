import {
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  getAssociatedTokenAddressSync,
  unpackMint,
} from '@solana/spl-token'
import {
  type Connection,
  type Keypair,
  type PublicKey,
  SystemProgram,
  type TransactionInstruction,
  TransactionMessage,
  VersionedTransaction,
} from '@solana/web3.js'

/** What `sendTransfer` pays. */
export interface TransferOptions {
  /** Signs and pays the fee; owner of the source token account (its associated one). */
  payer: Keypair
  /** The receiving owner (tokens go to its associated token account). */
  to: PublicKey
  /** Base units: token base units, or lamports without `mint`. */
  amount: bigint
  /** The token; omitted: native SOL. */
  mint?: PublicKey
  /** Adds an idempotent creation of the receiving associated token account. Default true. */
  createRecipientAccount?: boolean
  /** Added read-only, non-signer to the transfer instruction (Solana Pay reference). */
  reference?: PublicKey
  /** Sends a v0 transaction compiled against this address lookup table. */
  lookupTable?: PublicKey
  /** Default false: a transfer that fails is refused at preflight instead of landing. */
  skipPreflight?: boolean
  /** A second payer in the same transaction: its own `transferChecked` of `amount` to `to`, signed by it. */
  coPayer?: { payer: Keypair; amount: bigint; reference?: PublicKey }
}

/**
 * Pays through a JSON-RPC as a wallet would: a `transferChecked` (SPL Token or Token-2022, read
 * from the mint's owner) or a system transfer, signed by `payer` and sent with
 * `sendRawTransaction`. Returns the signature. Test support.
 *
 * @example const signature = await sendTransfer(connection, { payer, to: payTo, mint, amount: 10_000n, reference })
 */
export async function sendTransfer(
  connection: Connection,
  options: TransferOptions,
): Promise<string> {
  const { payer, to, amount, mint, reference } = options
  const instructions: TransactionInstruction[] = []
  let transfer: TransactionInstruction
  if (mint) {
    const info = await connection.getAccountInfo(mint)
    if (!info) throw new Error(`No mint at ${mint.toBase58()}`)
    const programId = info.owner
    const { decimals } = unpackMint(mint, info, programId)
    const source = getAssociatedTokenAddressSync(mint, payer.publicKey, true, programId)
    const destination = getAssociatedTokenAddressSync(mint, to, true, programId)
    if (options.createRecipientAccount ?? true) {
      instructions.push(
        createAssociatedTokenAccountIdempotentInstruction(
          payer.publicKey,
          destination,
          to,
          mint,
          programId,
        ),
      )
    }
    transfer = createTransferCheckedInstruction(
      source,
      mint,
      destination,
      payer.publicKey,
      amount,
      decimals,
      [],
      programId,
    )
  } else {
    transfer = SystemProgram.transfer({
      fromPubkey: payer.publicKey,
      toPubkey: to,
      lamports: amount,
    })
  }
  if (reference) transfer.keys.push({ pubkey: reference, isSigner: false, isWritable: false })
  instructions.push(transfer)
  const co = options.coPayer
  if (co) {
    if (!mint) throw new Error('coPayer needs a mint')
    const info = await connection.getAccountInfo(mint)
    const programId = info!.owner
    const { decimals } = unpackMint(mint, info, programId)
    const second = createTransferCheckedInstruction(
      getAssociatedTokenAddressSync(mint, co.payer.publicKey, true, programId),
      mint,
      getAssociatedTokenAddressSync(mint, to, true, programId),
      co.payer.publicKey,
      co.amount,
      decimals,
      [],
      programId,
    )
    if (co.reference) second.keys.push({ pubkey: co.reference, isSigner: false, isWritable: false })
    instructions.push(second)
  }

  const { blockhash } = await connection.getLatestBlockhash()
  const lookupTables = []
  if (options.lookupTable) {
    const table = (await connection.getAddressLookupTable(options.lookupTable)).value
    if (!table) throw new Error(`No lookup table at ${options.lookupTable.toBase58()}`)
    lookupTables.push(table)
  }
  const message = new TransactionMessage({
    payerKey: payer.publicKey,
    recentBlockhash: blockhash,
    instructions,
  })
  const tx = new VersionedTransaction(
    options.lookupTable
      ? message.compileToV0Message(lookupTables)
      : message.compileToLegacyMessage(),
  )
  tx.sign(co ? [payer, co.payer] : [payer])
  return connection.sendRawTransaction(tx.serialize(), {
    skipPreflight: options.skipPreflight ?? false,
  })
}
