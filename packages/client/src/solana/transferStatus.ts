import type { Connection, SignatureStatus } from '@solana/web3.js'
import type { SignedPayment, TransferStatus } from '../payer.js'
import type { SolanaPayerContext } from './resolveOptions.js'

/**
 * Where a signed payment stands: `'known'` when the RPC has its signature (history included),
 * `'missing'` while its blockhash is valid (the same bytes can still land), `'expired'` after.
 *
 * @example if ((await transferStatus(context, payment)) === 'missing') await sendTransfer(context, payment)
 */
export async function transferStatus(
  { connection }: SolanaPayerContext,
  payment: SignedPayment,
): Promise<TransferStatus> {
  if (await lookupSignature(connection, payment.txId)) return 'known'
  const height = await connection.getBlockHeight('confirmed')
  if (height <= payment.validUntil) return 'missing'
  // Its blockhash has expired: it landed since the first look, or it never will.
  return (await lookupSignature(connection, payment.txId)) ? 'known' : 'expired'
}

/**
 * The signature's status, searching the transaction history; null when the RPC does not know it.
 *
 * @example const seen = await lookupSignature(connection, payment.txId)
 */
export async function lookupSignature(
  connection: Connection,
  signature: string,
): Promise<SignatureStatus | null> {
  const { value } = await connection.getSignatureStatuses([signature], {
    searchTransactionHistory: true,
  })
  return value[0] ?? null
}
