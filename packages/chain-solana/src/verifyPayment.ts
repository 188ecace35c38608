import type { Connection } from '@solana/web3.js'
import {
  formatAmount,
  type RejectionCode,
  VerifierUnavailableError,
  type VerifyContext,
  type VerifyResult,
} from '@tx402/core'
import bs58 from 'bs58'
import { callRpc } from './createConnection.js'
import { accountKeys, measureTransfer } from './measureTransfer.js'
import { readTransaction } from './readTransaction.js'
import type { SolanaConfig } from './resolveOptions.js'

/**
 * Verifies a payment from the chain: the transaction at the configured commitment
 * (`getTransaction`, jsonParsed, every version web3.js reads; another version is
 * `unsupported_transaction`), its success, the challenge's reference among its
 * account keys, its age, and what `payTo` received of the asset. Expected failures are
 * `invalid` or `pending` results; RPC faults throw `VerifierUnavailableError`.
 *
 * @example await verifyPayment(connection, config, { txId, requirement, now: Date.now() })
 */
export async function verifyPayment(
  connection: Connection,
  config: Pick<SolanaConfig, 'commitment' | 'clockSkewSeconds'>,
  context: VerifyContext,
): Promise<VerifyResult> {
  const { txId, requirement, challenge } = context
  const read = await readTransaction(connection, txId, config.commitment)
  if (read.kind === 'unsupported') {
    return invalid(
      'unsupported_transaction',
      `The transaction is of version ${read.version}, which this server cannot read. Pay again per accepts with a legacy or version 0 transaction.`,
    )
  }
  const tx = read.kind === 'found' ? read.tx : null
  if (!tx) {
    const statuses = await callRpc('getSignatureStatuses', () =>
      connection.getSignatureStatuses([txId], { searchTransactionHistory: true }),
    )
    if (statuses.value[0]) {
      return {
        status: 'pending',
        retryAfterMs: config.commitment === 'finalized' ? 8000 : 2000,
        message: `The transaction has not reached the "${config.commitment}" commitment yet. Retry the same headers shortly; do not pay again.`,
      }
    }
    return invalid(
      'tx_not_found',
      'No such transaction on this chain. Wait until it is confirmed and retry, or pay per accepts.',
    )
  }
  if (!tx.meta) {
    throw new VerifierUnavailableError(
      'The Solana RPC returned the transaction without its status.',
    )
  }
  if (tx.meta.err !== null) {
    return invalid('tx_failed', 'The transaction failed on chain. Pay again per accepts.')
  }
  if (challenge && !accountKeys(tx).includes(bs58.encode(challenge.reference))) {
    return invalid(
      'challenge_invalid',
      'The transaction does not carry this challenge’s reference key. Pay again with the reference of the fresh challenge.',
    )
  }

  const blockTime = tx.blockTime
  if (typeof blockTime !== 'number') {
    return {
      status: 'pending',
      retryAfterMs: 2000,
      message:
        'The block time of the transaction is not known yet. Retry the same headers shortly.',
    }
  }
  const nowSeconds = Math.floor(context.now / 1000)
  if (requirement.maxAgeSeconds > 0 && blockTime < nowSeconds - requirement.maxAgeSeconds) {
    return invalid(
      'tx_too_old',
      `The transaction is older than ${requirement.maxAgeSeconds} seconds. Pay again.`,
    )
  }
  if (challenge && blockTime < challenge.issuedAt - config.clockSkewSeconds) {
    return invalid(
      'tx_too_old',
      'The transaction is older than the challenge it answers. Pay again.',
    )
  }

  const { asset, amount, payTo } = requirement
  const transfer = measureTransfer(tx, payTo, asset)
  if (transfer.received <= 0n) {
    return transfer.otherAssetReceived
      ? invalid(
          'wrong_asset',
          `The transaction paid ${payTo} in another asset than ${asset.symbol}.`,
        )
      : invalid('wrong_recipient', `The transaction paid nothing to ${payTo}.`)
  }
  if (transfer.received < amount) {
    return invalid(
      'insufficient_amount',
      `${payTo} received ${formatAmount(transfer.received, asset.decimals)} ${asset.symbol}; the price is ${formatAmount(amount, asset.decimals)}. Pay again per accepts.`,
    )
  }
  // Several senders: each one's share is a payment of its own, chosen by the payer's proof (a
  // share of 0 stays listed: without a proof the answer is ambiguous_payer, never a guess).
  const transfers = transfer.senders
  if (transfers) {
    return {
      status: 'confirmed',
      payer: transfers[0]!.payer,
      amount: transfers[0]!.amount,
      blockTime,
      transfers,
    }
  }
  return { status: 'confirmed', payer: transfer.payer, amount: transfer.received, blockTime }
}

function invalid(reason: RejectionCode, message: string): VerifyResult {
  return { status: 'invalid', reason, message }
}
