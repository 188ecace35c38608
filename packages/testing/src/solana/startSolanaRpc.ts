import { createHash } from 'node:crypto'
import { type Address, getBase58Decoder, getBase58Encoder, isAddress, lamports } from '@solana/kit'
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createInitializeTransferFeeConfigInstruction,
  createMintToInstruction,
  createSetTransferFeeInstruction,
  ExtensionType,
  getAssociatedTokenAddressSync,
  getMintLen,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token'
import {
  AddressLookupTableProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from '@solana/web3.js'
import type { Network } from '@tx402/core'
import { FailedTransactionMetadata, type LiteSVM } from 'litesvm'
import { JsonRpcError, serveJsonRpc } from './jsonRpcServer.js'
import { createLiteSvmNode } from './liteSvmNode.js'
import { type Commitment, commitments, toParsedTransaction } from './parsedTransaction.js'
import { accountInfo, readAccountState, uiTokenAmount } from './readAccountState.js'

/** Options of `startSolanaRpc`. */
export interface SolanaRpcOptions {
  /**
   * What `getGenesisHash` answers; the network is `solana:` + its first 32 characters.
   * Default: a fixed hash of this local chain (`localGenesisHash`).
   */
  genesisHash?: string
  /** The commitment transactions reach when they land; raise it with `setCommitment`. Default `'finalized'`. */
  landAt?: Commitment
}

/** A running Solana JSON-RPC over litesvm. Test support: never for real funds. */
export interface SolanaRpc {
  /** `http://127.0.0.1:<port>` */
  rpcUrl: string
  /** `solana:<first 32 characters of the genesis hash>` */
  network: Network
  genesisHash: string
  /** The litesvm instance, for anything the helpers do not cover. */
  svm: LiteSVM
  /** A funded keypair: pays for the helpers' transactions and is the mint authority of their mints. */
  authority: Keypair
  /** Adds lamports to an account (an airdrop). */
  fund(address: PublicKey | string, lamports: bigint): void
  /** Creates and initializes a mint; Token-2022 with `transferFee` adds a transfer-fee extension. */
  createMint(options?: {
    decimals?: number
    tokenProgram?: 'token' | 'token-2022'
    transferFee?: { basisPoints: number; maximumFee: bigint }
  }): PublicKey
  /**
   * Schedules a new transfer fee on a Token-2022 mint made by `createMint` (the program makes it
   * take effect two epochs on).
   */
  setTransferFee(options: { mint: PublicKey; basisPoints: number; maximumFee: bigint }): void
  /** The current epoch (`getEpochInfo`, and what the token programs see). */
  epoch(): bigint
  /** Moves the chain to `epoch` (the clock's epoch; slots are kept). */
  setEpoch(epoch: bigint): void
  /** Mints `amount` base units to `owner`'s associated token account (created if missing); returns it. */
  mintTo(options: { mint: PublicKey; owner: PublicKey; amount: bigint }): PublicKey
  /** Creates an address lookup table holding `addresses`, active from the next transaction on. */
  createLookupTable(addresses: PublicKey[]): PublicKey
  /** Moves a landed transaction to another commitment (`getTransaction` answers only at or below it). */
  setCommitment(signature: string, commitment: Commitment): void
  /** While stalled, every request hangs unanswered (an RPC that times out). */
  stall(stalled: boolean): void
  stop(): Promise<void>
}

const memoProgram = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr')

/** The genesis hash this local chain answers by default (sha256 of a fixed label, base58). */
export const localGenesisHash = getBase58Decoder().decode(
  createHash('sha256').update('tx402 litesvm local chain').digest(),
)

/**
 * Starts litesvm behind a JSON-RPC endpoint on a free loopback port, answering what the tx402
 * plugin and client use: `getGenesisHash`, `getLatestBlockhash`, `getBlockHeight`, `getSlot`,
 * `getBlockTime`,
 * `sendTransaction` (base64 or base58, with or without preflight), `getSignatureStatuses`,
 * `getTransaction` (jsonParsed, with pre/post token balances and lookup-table keys),
 * `getAccountInfo` (base64), `getBalance`, `getTokenAccountBalance` and
 * `getMinimumBalanceForRentExemption`, in the shapes a node answers. The real SPL Token,
 * Token-2022, associated-token-account, memo and address-lookup-table programs execute.
 * No websocket: confirm by polling `getSignatureStatuses` (transactions land when sent).
 *
 * @example
 * const rpc = await startSolanaRpc()
 * const mint = rpc.createMint({ decimals: 6 })
 * rpc.mintTo({ mint, owner: payer.publicKey, amount: 1_000_000n })
 * const plugin = solana({ rpcUrl: rpc.rpcUrl, network: rpc.network, payTo, assets: [...] })
 * after(() => rpc.stop())
 */
export async function startSolanaRpc(options: SolanaRpcOptions = {}): Promise<SolanaRpc> {
  const genesisHash = options.genesisHash ?? localGenesisHash
  const landAt = options.landAt ?? 'finalized'
  const node = createLiteSvmNode({ landAt: () => landAt })
  const { svm } = node
  const levels = new Map<string, Commitment>()
  const authority = Keypair.generate()
  svm.airdrop(authority.publicKey.toBase58() as Address, lamports(1_000_000_000_000n))
  let setupCount = 0

  const context = () => ({ context: { apiVersion: '2.2.0', slot: node.slot() } })
  const commitmentOf = (signature: string): Commitment | undefined =>
    levels.get(signature) ?? node.transaction(signature)?.commitment

  const handle = (method: string, params: unknown[]): unknown => {
    const config = (params[1] ?? {}) as Record<string, unknown>
    switch (method) {
      case 'getGenesisHash':
        return genesisHash
      case 'getSlot':
      case 'getBlockHeight':
        return node.slot()
      case 'getBlockTime':
        // The wall-clock time the latest transaction landed (each lands in a slot of its own).
        return Number(svm.getClock().unixTimestamp)
      case 'getEpochInfo':
        return {
          absoluteSlot: node.slot(),
          blockHeight: node.slot(),
          epoch: Number(svm.getClock().epoch),
          slotIndex: 0,
          slotsInEpoch: 432_000,
          transactionCount: 0,
        }
      case 'getLatestBlockhash':
        return {
          ...context(),
          value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: node.slot() + 150 },
        }
      case 'getMinimumBalanceForRentExemption':
        return Number(svm.minimumBalanceForRentExemption(BigInt(Number(params[0] ?? 0))))
      case 'getBalance':
        return { ...context(), value: Number(readAccountState(svm, address(params[0])).lamports) }
      case 'getAccountInfo': {
        if ((config.encoding ?? 'base58') !== 'base64') {
          throw new JsonRpcError(-32602, 'this test node serves getAccountInfo in base64 only')
        }
        const info = accountInfo(svm, address(params[0]))
        return {
          ...context(),
          value: info
            ? {
                data: [info.data.toString('base64'), 'base64'],
                executable: info.executable,
                lamports: info.lamports,
                owner: info.owner.toBase58(),
                rentEpoch: 0,
                space: info.data.length,
              }
            : null,
        }
      }
      case 'getTokenAccountBalance': {
        const token = readAccountState(svm, address(params[0])).token
        if (!token) throw new JsonRpcError(-32602, 'Invalid param: not a Token account')
        return { ...context(), value: uiTokenAmount(token.amount, token.decimals) }
      }
      case 'sendTransaction': {
        if (typeof params[0] !== 'string') throw new JsonRpcError(-32602, 'Invalid params')
        const wire =
          config.encoding === 'base64'
            ? new Uint8Array(Buffer.from(params[0], 'base64'))
            : new Uint8Array(getBase58Encoder().encode(params[0]))
        return node.submit(wire, { skipPreflight: config.skipPreflight === true })
      }
      case 'getSignatureStatuses': {
        const signatures = Array.isArray(params[0]) ? (params[0] as unknown[]) : []
        return {
          ...context(),
          value: signatures.map((signature) => {
            const tx = typeof signature === 'string' ? node.transaction(signature) : undefined
            if (!tx) return null
            const level = commitmentOf(signature as string)!
            return {
              slot: tx.slot,
              confirmations: level === 'finalized' ? null : 0,
              err: tx.err,
              status: tx.err === null ? { Ok: null } : { Err: tx.err },
              confirmationStatus: level,
            }
          }),
        }
      }
      case 'getTransaction': {
        if (config.encoding !== 'jsonParsed') {
          throw new JsonRpcError(-32602, 'this test node serves getTransaction as jsonParsed only')
        }
        const wanted = (config.commitment as Commitment | undefined) ?? 'finalized'
        if (wanted === 'processed') {
          throw new JsonRpcError(-32602, 'Method does not support commitment below `confirmed`')
        }
        const signature = String(params[0])
        const tx = node.transaction(signature)
        const level = commitmentOf(signature)
        if (!tx || !level || commitments.indexOf(level) < commitments.indexOf(wanted)) return null
        const maxVersion = config.maxSupportedTransactionVersion
        if (tx.version === 0 && maxVersion === undefined) {
          throw new JsonRpcError(
            -32015,
            'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
          )
        }
        return toParsedTransaction(tx, { withVersion: maxVersion !== undefined })
      }
      default:
        throw new JsonRpcError(-32601, 'Method not found')
    }
  }

  const server = await serveJsonRpc(handle)

  // Helpers sign with `authority` and go through the same path as `sendTransaction`; a memo with
  // a counter keeps two identical setups from being the same transaction.
  const setup = (instructions: TransactionInstruction[], signers: Keypair[] = []): void => {
    const tx = new Transaction({
      feePayer: authority.publicKey,
      recentBlockhash: svm.latestBlockhash(),
    }).add(
      ...instructions,
      new TransactionInstruction({
        programId: memoProgram,
        keys: [],
        data: Buffer.from(`tx402 setup ${++setupCount}`),
      }),
    )
    tx.sign(authority, ...signers)
    node.submit(tx.serialize(), { skipPreflight: false })
  }

  const programOf = (mint: PublicKey): PublicKey => {
    const info = accountInfo(svm, mint.toBase58())
    if (!info) throw new Error(`No mint at ${mint.toBase58()}`)
    return info.owner
  }

  return {
    rpcUrl: server.url,
    network: `solana:${genesisHash.slice(0, 32)}`,
    genesisHash,
    svm,
    authority,
    fund(target, amount) {
      const result = svm.airdrop(address(String(target)) as Address, lamports(amount))
      if (!result || result instanceof FailedTransactionMetadata) {
        throw new Error(`Airdrop failed: ${result}`)
      }
    },
    createMint({ decimals = 6, tokenProgram = 'token', transferFee } = {}) {
      const mint = Keypair.generate()
      const programId = tokenProgram === 'token-2022' ? TOKEN_2022_PROGRAM_ID : TOKEN_PROGRAM_ID
      if (transferFee && tokenProgram !== 'token-2022') {
        throw new Error('A transfer fee needs tokenProgram: token-2022')
      }
      const space = transferFee ? getMintLen([ExtensionType.TransferFeeConfig]) : getMintLen([])
      setup(
        [
          SystemProgram.createAccount({
            fromPubkey: authority.publicKey,
            newAccountPubkey: mint.publicKey,
            lamports: Number(svm.minimumBalanceForRentExemption(BigInt(space))),
            space,
            programId,
          }),
          ...(transferFee
            ? [
                createInitializeTransferFeeConfigInstruction(
                  mint.publicKey,
                  authority.publicKey,
                  authority.publicKey,
                  transferFee.basisPoints,
                  transferFee.maximumFee,
                  programId,
                ),
              ]
            : []),
          createInitializeMint2Instruction(
            mint.publicKey,
            decimals,
            authority.publicKey,
            null,
            programId,
          ),
        ],
        [mint],
      )
      return mint.publicKey
    },
    setTransferFee({ mint, basisPoints, maximumFee }) {
      setup([
        createSetTransferFeeInstruction(
          mint,
          authority.publicKey,
          [],
          basisPoints,
          maximumFee,
          TOKEN_2022_PROGRAM_ID,
        ),
      ])
    },
    epoch: () => svm.getClock().epoch,
    setEpoch(epoch) {
      const clock = svm.getClock()
      clock.epoch = epoch
      svm.setClock(clock)
    },
    mintTo({ mint, owner, amount }) {
      const programId = programOf(mint)
      const ata = getAssociatedTokenAddressSync(mint, owner, true, programId)
      setup([
        createAssociatedTokenAccountIdempotentInstruction(
          authority.publicKey,
          ata,
          owner,
          mint,
          programId,
        ),
        createMintToInstruction(mint, ata, authority.publicKey, amount, [], programId),
      ])
      return ata
    },
    createLookupTable(addresses) {
      const [create, table] = AddressLookupTableProgram.createLookupTable({
        authority: authority.publicKey,
        payer: authority.publicKey,
        recentSlot: node.slot(),
      })
      setup([
        create,
        AddressLookupTableProgram.extendLookupTable({
          lookupTable: table,
          authority: authority.publicKey,
          payer: authority.publicKey,
          addresses,
        }),
      ])
      return table
    },
    setCommitment(signature, commitment) {
      if (!node.transaction(signature)) throw new Error(`Unknown transaction ${signature}`)
      levels.set(signature, commitment)
    },
    stall: server.stall,
    stop: server.close,
  }
}

function address(value: unknown): string {
  if (typeof value !== 'string' || !isAddress(value)) {
    throw new JsonRpcError(-32602, 'Invalid param: Invalid')
  }
  return value
}
