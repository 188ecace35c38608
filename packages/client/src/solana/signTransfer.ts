import { base64 } from '@scure/base'
import { Transaction } from '@solana/web3.js'
import type { AcceptOption } from '@tx402/core/protocol'
import bs58 from 'bs58'
import { PaymentFailedError } from '../errors.js'
import type { SignedPayment } from '../payer.js'
import { buildTransfer } from './buildTransfer.js'
import type { SolanaPayerContext } from './resolveOptions.js'

/**
 * Builds and signs the payment of `option` on a fresh `'confirmed'` blockhash, with a keypair or
 * a wallet adapter's `signTransaction`. The signature is the id, known before anything is sent,
 * so the payment is journaled first; `validUntil` is the blockhash's last valid block height.
 * Throws as `buildTransfer` does, and `PaymentFailedError` when the signer returns it unsigned.
 *
 * @example const payment = await signTransfer(context, option, limits) // { txId: base58, serialized: base64, from, validUntil }
 */
export async function signTransfer(
  context: SolanaPayerContext,
  option: AcceptOption,
  limits: { maxAmount?: bigint } | undefined,
): Promise<SignedPayment> {
  const { connection, signer, owner } = context
  const instructions = await buildTransfer(context, option, limits)
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
}
