import type { Connection } from '@solana/web3.js'
import {
  type RejectionCode,
  VerifierUnavailableError,
  type VerifyContext,
  type VerifyResult,
  withRpcFault,
} from '@tx402/core'
import bs58 from 'bs58'
import { accountKeys, measureTransfer } from './measureTransfer.js'
import { readTransaction } from './readTransaction.js'
import type { SolanaConfig } from './resolveOptions.js'
import { rpcSource } from './rpcSource.js'

/**
 * Reads a payment's facts from the chain: the transaction at the configured commitment
 * (`getTransaction`, jsonParsed, every version web3.js reads; another version is
 * `unsupported_transaction`), its success, whether it carries the challenge's reference among its
 * account keys, its block time, and what `payTo` received of the asset from whom. The engine
 * judges the facts (`judgePayment`); what only the chain can tell is answered here: not at the
 * commitment yet or no block time yet (pending), `tx_not_found`, `tx_failed`. RPC faults throw
 * `VerifierUnavailableError`.
 *
 * @example await verifyPayment(connection, config, { txId, requirement })
 */
export async function verifyPayment(
  connection: Connection,
  config: Pick<SolanaConfig, 'name' | 'commitment'>,
  context: VerifyContext,
): Promise<VerifyResult> {
  const { txId, requirement, challenge } = context
  const source = rpcSource(config.name)
  const read = await readTransaction(connection, txId, config.commitment, source)
  if (read.kind === 'unsupported') {
    return invalid(
      'unsupported_transaction',
      `The transaction is of version ${read.version}, which this server cannot read. Pay again per accepts with a legacy or version 0 transaction.`,
    )
  }
  const tx = read.kind === 'found' ? read.tx : null
  if (!tx) {
    const statuses = await withRpcFault(source, 'reading the signature status', () =>
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
  const blockTime = tx.blockTime
  if (typeof blockTime !== 'number') {
    return {
      status: 'pending',
      retryAfterMs: 2000,
      message:
        'The block time of the transaction is not known yet. Retry the same headers shortly.',
    }
  }

  const transfer = measureTransfer(tx, requirement.payTo, requirement.asset)
  const received = transfer.received > 0n ? transfer.received : 0n
  // Several senders: each one's share is a payment of its own, chosen by the payer's proof (a
  // share of 0 stays listed: without a proof the answer is ambiguous_payer, never a guess).
  const transfers = transfer.senders
  return {
    status: 'confirmed',
    payer: transfers ? transfers[0]!.payer : transfer.payer,
    amount: transfers ? transfers[0]!.amount : received,
    blockTime,
    received,
    ...(transfers ? { transfers } : {}),
    ...(received === 0n ? { mismatch: transfer.otherAssetReceived ? 'asset' : 'recipient' } : {}),
    ...(challenge
      ? { referenceSeen: accountKeys(tx).includes(bs58.encode(challenge.reference)) }
      : {}),
  }
}

function invalid(reason: RejectionCode, message: string): VerifyResult {
  return { status: 'invalid', reason, message }
}
