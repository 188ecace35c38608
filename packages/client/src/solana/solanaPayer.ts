import type { Payer } from '../payer.js'
import { confirmTransfer } from './confirmTransfer.js'
import { resolveOptions, type SolanaPayerOptions } from './resolveOptions.js'
import { sendTransfer } from './sendTransfer.js'
import { signProof } from './signProof.js'
import { signTransfer } from './signTransfer.js'
import { transferStatus } from './transferStatus.js'

/**
 * Pays on Solana with @solana/web3.js: an SPL Token or Token-2022 `transferChecked` from the
 * signer's associated token account to `payTo`'s (created idempotently in the same transaction
 * when it does not exist yet), or a native SOL transfer, with the challenge's `reference` as a
 * read-only non-signer key of the transfer instruction. The signature is known once signed, so
 * it is journaled before the bytes are sent. The mint's decimals are checked on chain before
 * signing; a Token-2022 transfer fee is priced in (`transferCheckedWithFee` of the amount that
 * delivers the price, within the spending cap), and a transfer hook's extra accounts are added.
 * The account a payment credits is read before signing: a token account of `payTo`'s that another
 * key owns, a frozen one, or a SOL amount leaving `payTo` below the rent-exempt minimum throws
 * `PayToAccountError`, nothing sent. Waits for the option's `commitment` (default `'confirmed'`)
 * by polling `getSignatureStatuses`, resending the same bytes until the blockhash expires.
 *
 * Steps, one file each: `resolveOptions`, `buildTransfer` (within `signTransfer`),
 * `sendTransfer`, `transferStatus`, `confirmTransfer`, `signProof`; `evmPayer` has the same.
 *
 * @example
 * const payer = solanaPayer({ connection: new Connection(rpcUrl), signer: Keypair.fromSecretKey(key) })
 * @example
 * const payer = solanaPayer({ connection, signer: wallet }) // wallet adapter: publicKey, signTransaction, signMessage
 */
export function solanaPayer(options: SolanaPayerOptions): Payer {
  const context = resolveOptions(options)
  const { signer } = context
  return {
    getNetwork: context.getNetwork,
    supports: (asset) => asset.standard === 'spl' || asset.standard === 'native',
    assets: options.assets ?? [],
    signsProofs: 'secretKey' in signer || typeof signer.signMessage === 'function',
    sign: (option, limits) => signTransfer(context, option, limits),
    broadcast: (payment) => sendTransfer(context, payment),
    status: (payment) => transferStatus(context, payment),
    confirm: (payment, option, deadline) => confirmTransfer(context, payment, option, deadline),
    signProof: (message) => signProof(context, message),
  } satisfies Payer
}
