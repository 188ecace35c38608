import { ed25519 } from '@noble/curves/ed25519'
import { base64 } from '@scure/base'
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createTransferCheckedInstruction,
  createTransferCheckedWithFeeInstruction,
  getAssociatedTokenAddressSync,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
  unpackMint,
} from '@solana/spl-token'
import {
  type Connection,
  PublicKey,
  SendTransactionError,
  SystemProgram,
  Transaction,
  type TransactionInstruction,
  type TransactionSignature,
} from '@solana/web3.js'
import {
  type AcceptOption,
  ConfigurationError,
  formatAmount,
  type Network,
  parseBaseUnits,
} from '@tx402/core'
import bs58 from 'bs58'
import type { DeclaredAsset } from '../assets/knownAssets.js'
import {
  BroadcastRejectedError,
  PaymentFailedError,
  PaymentTimeoutError,
  SpendingCapError,
} from '../errors.js'
import type { Payer, PaymentStatus, SignedPayment } from '../payer.js'
import { sleep } from '../retryDelay.js'
import { transferFeeAmount } from './transferFeeAmount.js'

/** A wallet-adapter style signer: what browser wallets (Phantom, Solflare, …) expose. */
export interface SolanaWalletSigner {
  publicKey: PublicKey
  signTransaction<T extends Transaction>(transaction: T): Promise<T>
  /** Needed only when a server asks for `x-payment-proof`. */
  signMessage?(message: Uint8Array): Promise<Uint8Array>
}

/** A `Keypair` (agents, scripts) or a wallet adapter (browsers). */
export type SolanaSigner = { publicKey: PublicKey; secretKey: Uint8Array } | SolanaWalletSigner

/** Options of `solanaPayer`. */
export interface SolanaPayerOptions {
  connection: Connection
  signer: SolanaSigner
  /** CAIP-2 id. Default: `solana:` + the first 32 characters of the RPC's genesis hash. */
  network?: Network
  /** How often the signature status is polled while confirming, in ms. Default 500. */
  pollIntervalMs?: number
  /**
   * Mints besides the built-in stablecoins to treat as known, by mint address (a test or private
   * token): `[{ address: mint, symbol: 'USDC', decimals: 6 }]`. Default none.
   */
  assets?: readonly DeclaredAsset[]
}

const commitmentOrder = ['processed', 'confirmed', 'finalized'] as const
/** While a transaction is not seen, its same bytes are sent again this often (ms). */
const resendIntervalMs = 2_000

/**
 * Pays on Solana with @solana/web3.js: an SPL Token or Token-2022 `transferChecked` from the
 * signer's associated token account to `payTo`'s (created idempotently in the same transaction
 * when it does not exist yet), or a native SOL transfer, with the challenge's `reference` as a
 * read-only non-signer key of the transfer instruction. The signature is known once signed, so
 * it is journaled before the bytes are sent. The mint's decimals are checked on chain before
 * signing; a Token-2022 transfer fee is priced in (`transferCheckedWithFee` of the amount that
 * delivers the price, within the spending cap). Waits for the option's `commitment` (default `'confirmed'`) by polling
 * `getSignatureStatuses`, resending the same bytes until the blockhash expires.
 *
 * @example
 * const payer = solanaPayer({ connection: new Connection(rpcUrl), signer: Keypair.fromSecretKey(key) })
 * @example
 * const payer = solanaPayer({ connection, signer: wallet }) // wallet adapter: publicKey, signTransaction, signMessage
 */
export function solanaPayer(options: SolanaPayerOptions): Payer {
  const { connection, signer } = options
  if (!connection || !signer?.publicKey) {
    throw new ConfigurationError('solanaPayer needs a connection and a signer with a publicKey.')
  }
  const pollIntervalMs = options.pollIntervalMs ?? 500
  const owner = signer.publicKey
  let network: Promise<Network> | undefined

  const getNetwork = (): Promise<Network> => {
    network ??= options.network
      ? Promise.resolve(options.network)
      : connection.getGenesisHash().then((hash) => `solana:${hash.slice(0, 32)}` as Network)
    // A failed lookup is not cached: the next call asks the RPC again.
    network.catch(() => {
      network = undefined
    })
    return network
  }

  const transferInstructions = async (
    option: AcceptOption,
    limits: { maxAmount?: bigint } | undefined,
  ): Promise<TransactionInstruction[]> => {
    const { asset } = option
    const amount = parseBaseUnits(option.amount)
    const payTo = publicKey(option.payTo, 'payTo')
    const reference = option.reference ? publicKey(option.reference, 'reference') : undefined
    let transfer: TransactionInstruction
    const instructions: TransactionInstruction[] = []
    if (asset.standard === 'native') {
      if (asset.decimals !== 9 || asset.symbol.toUpperCase() !== 'SOL') {
        throw new PaymentFailedError(
          `The challenge describes native SOL as ${asset.symbol} with ${asset.decimals} decimals.`,
        )
      }
      transfer = SystemProgram.transfer({ fromPubkey: owner, toPubkey: payTo, lamports: amount })
    } else if (asset.standard === 'spl') {
      const mint = publicKey(asset.mint, 'mint')
      const mintAccount = await connection.getAccountInfo(mint)
      const programId = mintAccount?.owner
      if (
        !programId ||
        !(programId.equals(TOKEN_PROGRAM_ID) || programId.equals(TOKEN_2022_PROGRAM_ID))
      ) {
        throw new PaymentFailedError(`${asset.mint} is not a token mint on this network.`)
      }
      const mintInfo = unpackMint(mint, mintAccount, programId)
      const { decimals } = mintInfo
      if (decimals !== asset.decimals) {
        throw new PaymentFailedError(
          `The challenge says ${asset.symbol} has ${asset.decimals} decimals; the mint has ${decimals}. Nothing was paid.`,
        )
      }
      const source = getAssociatedTokenAddressSync(mint, owner, true, programId)
      // `payTo` may be a PDA (a vault or multisig), hence allowOwnerOffCurve.
      const destination = getAssociatedTokenAddressSync(mint, payTo, true, programId)
      if (!(await connection.getAccountInfo(destination))) {
        instructions.push(
          createAssociatedTokenAccountIdempotentInstruction(
            owner,
            destination,
            payTo,
            mint,
            programId,
          ),
        )
      }
      // A Token-2022 transfer fee is priced in: the price arrives; the cap covers what is sent.
      const { gross, fee } = await transferFeeAmount(connection, mintInfo, amount)
      if (limits?.maxAmount !== undefined && gross > limits.maxAmount) {
        throw new SpendingCapError({
          symbol: asset.symbol,
          amount: formatAmount(gross, decimals),
          cap: formatAmount(limits.maxAmount, decimals),
          chain: option.chain,
        })
      }
      transfer =
        fee === undefined
          ? createTransferCheckedInstruction(
              source,
              mint,
              destination,
              owner,
              amount,
              decimals,
              [],
              programId,
            )
          : createTransferCheckedWithFeeInstruction(
              source,
              mint,
              destination,
              owner,
              gross,
              decimals,
              fee,
              [],
              programId,
            )
    } else {
      throw new PaymentFailedError(`A Solana payer cannot pay ${asset.standard} assets.`)
    }
    // Solana Pay's reference: binds the transaction to the challenge.
    if (reference) transfer.keys.push({ pubkey: reference, isSigner: false, isWritable: false })
    instructions.push(transfer)
    return instructions
  }

  const lookup = async (signature: string) => {
    const { value } = await connection.getSignatureStatuses([signature], {
      searchTransactionHistory: true,
    })
    return value[0] ?? null
  }

  const status = async (payment: SignedPayment): Promise<PaymentStatus> => {
    if (await lookup(payment.txId)) return 'known'
    const height = await connection.getBlockHeight('confirmed')
    if (height <= payment.validUntil) return 'missing'
    // Its blockhash has expired: it landed since the first look, or it never will.
    return (await lookup(payment.txId)) ? 'known' : 'expired'
  }

  const send = (payment: SignedPayment, skipPreflight: boolean): Promise<TransactionSignature> =>
    connection.sendRawTransaction(base64.decode(payment.serialized), {
      skipPreflight,
      maxRetries: 0,
    })

  return {
    getNetwork,

    supports: (asset) => asset.standard === 'spl' || asset.standard === 'native',

    assets: options.assets ?? [],

    signsProofs: 'secretKey' in signer || typeof signer.signMessage === 'function',

    async sign(option, limits) {
      const instructions = await transferInstructions(option, limits)
      const { blockhash, lastValidBlockHeight } = await connection.getLatestBlockhash('confirmed')
      let transaction = new Transaction({ feePayer: owner, blockhash, lastValidBlockHeight }).add(
        ...instructions,
      )
      if ('secretKey' in signer) transaction.sign(signer)
      else transaction = await signer.signTransaction(transaction)
      const signature = transaction.signature
      if (!signature) throw new PaymentFailedError('The signer returned an unsigned transaction.')
      return {
        txId: bs58.encode(signature),
        serialized: base64.encode(transaction.serialize()),
        from: owner.toBase58(),
        validUntil: lastValidBlockHeight,
      }
    },

    async broadcast(payment) {
      try {
        await send(payment, false)
      } catch (error) {
        // The node answered with an error (preflight failed, blockhash unknown): refused for good.
        if (error instanceof SendTransactionError) {
          throw new BroadcastRejectedError('The node refused the signed transaction.', {
            cause: error,
          })
        }
        throw error
      }
    },

    status,

    async confirm(payment, option, deadline) {
      const wanted = commitmentOrder.indexOf(option.commitment ?? 'confirmed')
      let lastSent = Date.now()
      for (;;) {
        const seen = await lookup(payment.txId)
        if (seen?.err) {
          throw new PaymentFailedError(`The payment transaction ${payment.txId} failed on chain.`, {
            details: JSON.stringify(seen.err),
          })
        }
        const level = commitmentOrder.indexOf(seen?.confirmationStatus ?? 'processed')
        if (seen && level >= wanted) return { txId: payment.txId }
        if (!seen) {
          const state = await status(payment)
          if (state === 'expired') {
            throw new PaymentFailedError(
              `The payment transaction ${payment.txId} expired without landing; nothing was paid.`,
            )
          }
          if (
            state === 'missing' &&
            payment.serialized &&
            Date.now() - lastSent >= resendIntervalMs
          ) {
            lastSent = Date.now()
            await send(payment, true).catch(() => undefined)
          }
        }
        if (Date.now() + pollIntervalMs > deadline) {
          throw new PaymentTimeoutError({
            txId: payment.txId,
            waiting: `${option.commitment ?? 'confirmed'} commitment of ${payment.txId}`,
          })
        }
        await sleep(pollIntervalMs)
      }
    },

    async signProof(message) {
      const bytes = new TextEncoder().encode(message)
      if ('secretKey' in signer)
        return bs58.encode(ed25519.sign(bytes, signer.secretKey.slice(0, 32)))
      if (!signer.signMessage) {
        throw new ConfigurationError(
          'The server asks for x-payment-proof; this Solana signer has no signMessage.',
        )
      }
      return bs58.encode(await signer.signMessage(bytes))
    },
  } satisfies Payer
}

function publicKey(value: string, what: string): PublicKey {
  try {
    return new PublicKey(value)
  } catch (cause) {
    throw new PaymentFailedError(`${what} ${value.slice(0, 60)} is not a Solana public key.`, {
      cause,
    })
  }
}
