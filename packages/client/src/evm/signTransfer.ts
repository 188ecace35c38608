import type { AcceptOption } from '@tx402/core/protocol'
import { type Hex, keccak256 } from 'viem'
import { PaymentFailedError } from '../errors.js'
import type { SignedPayment } from '../payer.js'
import { buildTransfer } from './buildTransfer.js'
import type { EvmPayerContext } from './resolveOptions.js'

/**
 * Builds and signs the payment of `option`. A local account signs raw bytes, sent later by
 * `sendTransfer`, so a crash never loses track of them; a browser wallet (JSON-RPC account)
 * signs and sends at once, and the hash it returns is all there is to journal (`serialized`
 * empty). `validUntil` is the transaction's nonce. Throws `PaymentFailedError` when the asset
 * differs from the challenge or when preparing fails (a short balance, a reverting token).
 *
 * @example const payment = await signTransfer(context, option) // { txId: '0x…', serialized: '0x02…', from, validUntil: nonce }
 */
export async function signTransfer(
  context: EvmPayerContext,
  option: AcceptOption,
): Promise<SignedPayment> {
  const { walletClient, account } = context
  const call = await buildTransfer(context, option)
  let request: Awaited<ReturnType<typeof walletClient.prepareTransactionRequest>>
  try {
    request = await walletClient.prepareTransactionRequest({
      ...call,
      account,
      chain: walletClient.chain,
    })
  } catch (cause) {
    // Gas estimation runs the transfer: a short balance or a reverting token fails here.
    throw new PaymentFailedError('Could not prepare the payment transaction; nothing was paid.', {
      cause,
    })
  }
  if (account.type === 'local') {
    const serialized = await walletClient.signTransaction({
      ...request,
      account,
      chain: walletClient.chain,
    } as Parameters<typeof walletClient.signTransaction>[0])
    return {
      txId: keccak256(serialized),
      serialized,
      from: account.address,
      validUntil: request.nonce,
    }
  }
  // A browser wallet (eth_sendTransaction) signs and sends at once; there are no bytes to
  // keep, and the wallet rebroadcasts its own pending transactions.
  const txId = await walletClient.sendTransaction({
    ...call,
    account,
    chain: walletClient.chain,
  })
  return {
    txId,
    serialized: '',
    from: account.address,
    validUntil: await sentNonce(context, txId, request.nonce),
  }
}

// The nonce the wallet chose, which a replacement of this payment shares: read back where the
// node already knows the transaction, else the pending count read before sending.
async function sentNonce(
  { publicClient }: EvmPayerContext,
  txId: Hex,
  prepared: number,
): Promise<number> {
  const sent = await publicClient.getTransaction({ hash: txId }).catch(() => undefined)
  return sent?.nonce ?? prepared
}
