import type { VerifyContext, VerifyResult } from '@tx402/core'
import {
  type Address,
  BlockNotFoundError,
  getAddress,
  type Hash,
  hexToNumber,
  isAddressEqual,
  type PublicClient,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
} from 'viem'
import { rpcFault, withRpcFault, wrongChainError } from './rpcFault.js'
import { verifyTransferLogs } from './verifyTransferLogs.js'

/** How far a block must be behind the head before a payment in it counts. */
export type Finality = 'latest' | 'safe' | 'finalized'

/** The chain settings `verifyPayment` needs. */
export interface VerifySettings {
  /** Chain name, for messages. */
  name: string
  /** The chain id the RPC must answer with, in the same batch as the receipt. */
  chainId: number
  /** Blocks the transaction must have, counting its own. */
  confirmations: number
  /** `safe` / `finalized`: the block must also be at or below that head. */
  finality: Finality
  /** Typical block interval, for Retry-After. */
  blockTimeMs: number
  /** Tolerated clock difference when comparing block time with the challenge's issue time. */
  clockSkewSeconds: number
}

const maxRetryAfterMs = 60_000

/**
 * Verifies one payment from the chain's own record, in as few sequential round trips as the data
 * allows: one JSON-RPC batch (chain id, receipt, head number, the `safe`/`finalized` head when
 * asked, and the transaction for native coin), then the block for its time only when the node did
 * not attach `blockTimestamp` to the logs. Expected failures are values; RPC faults throw
 * `VerifierUnavailableError`, and so does an RPC that answers for another chain than
 * `settings.chainId` (a missing receipt there proves nothing), after calling `onWrongChain`.
 *
 * Order: missing receipt (pending if the node knows the transaction, else `tx_not_found`),
 * reverted (`tx_failed`), what moved (`wrong_asset`, `wrong_recipient`, `insufficient_amount`),
 * depth (pending), age (`tx_too_old`).
 *
 * @example await verifyPayment(client, settings, { txId, requirement, now: Date.now() }, () => rpc.distrust(client))
 */
export async function verifyPayment(
  client: PublicClient,
  settings: VerifySettings,
  context: VerifyContext,
  onWrongChain?: (answered: number) => void,
): Promise<VerifyResult> {
  const { requirement } = context
  const hash = context.txId as Hash
  const native = requirement.asset.standard === 'native'
  const payTo = requirement.payTo as Address

  // Round trip 1: started in the same tick, so viem's http transport sends them as one batch.
  const [chainId, receipt, head, finalHead, transaction] = await withRpcFault(
    settings.name,
    'reading the transaction',
    () =>
      Promise.all([
        // Not getChainId(): it dedupes, so its answer could come from another batch.
        client.request({ method: 'eth_chainId' }).then((id) => hexToNumber(id)),
        client.getTransactionReceipt({ hash }).catch(orNull(TransactionReceiptNotFoundError)),
        client.getBlockNumber({ cacheTime: 0 }),
        settings.finality === 'latest'
          ? undefined
          : client.getBlock({ blockTag: settings.finality }).then((block) => block.number),
        native
          ? client.getTransaction({ hash }).catch(orNull(TransactionNotFoundError))
          : undefined,
      ]),
  )

  // An RPC re-pointed at another chain after it was proven: its answers say nothing here.
  if (chainId !== settings.chainId) {
    onWrongChain?.(chainId)
    throw wrongChainError(settings.name, chainId, settings.chainId)
  }

  if (!receipt) {
    const known =
      transaction ??
      (native
        ? null
        : await withRpcFault(settings.name, 'looking the transaction up', () =>
            client.getTransaction({ hash }).catch(orNull(TransactionNotFoundError)),
          ))
    if (known) {
      return pending(
        settings.blockTimeMs * settings.confirmations,
        'The transaction is not in a block yet. Retry the same headers after Retry-After seconds; do not pay again.',
      )
    }
    return invalid(
      'tx_not_found',
      `No transaction with this hash is known on ${settings.name}. Check the hash and the chain, or pay per accepts.`,
    )
  }
  if (receipt.transactionHash.toLowerCase() !== hash) {
    throw rpcFault(
      settings.name,
      'reading the receipt',
      new Error('receipt of another transaction'),
    )
  }
  if (receipt.status !== 'success') {
    return invalid(
      'tx_failed',
      'The transaction reverted, so nothing was paid. Pay again per accepts.',
    )
  }

  let payer: Address
  let amount: bigint
  let blockTimestamp: bigint | undefined
  let transfers: { payer: Address; amount: bigint }[] = []
  if (requirement.asset.standard === 'erc20') {
    const verdict = verifyTransferLogs(receipt.logs, {
      token: requirement.asset.address as Address,
      symbol: requirement.asset.symbol,
      payTo,
      amount: requirement.amount,
    })
    if (verdict.status === 'invalid') return invalid(verdict.reason, verdict.message)
    ;({ payer, blockTimestamp, transfers } = verdict)
    // The first payer's own part; every payer's is in `transfers` when there are several.
    amount = transfers[0]!.amount
  } else if (requirement.asset.standard === 'native') {
    if (!transaction) {
      throw rpcFault(
        settings.name,
        'reading the transaction',
        new Error('receipt without transaction'),
      )
    }
    const symbol = requirement.asset.symbol
    if (transaction.value === 0n) {
      return invalid('wrong_asset', `The transaction moved no ${symbol}. Pay again in ${symbol}.`)
    }
    if (!transaction.to || !isAddressEqual(transaction.to, payTo)) {
      return invalid(
        'wrong_recipient',
        `The transaction sent ${symbol} to another address, not to ${payTo}. Pay again to payTo.`,
      )
    }
    if (transaction.value < requirement.amount) {
      return invalid(
        'insufficient_amount',
        `The transaction paid ${transaction.value} base units of ${symbol}; the price is ${requirement.amount}. Pay again in full.`,
      )
    }
    payer = getAddress(transaction.from)
    amount = transaction.value
    blockTimestamp = transaction.blockTimestamp ?? undefined
  } else {
    throw new TypeError(`${settings.name} cannot verify ${requirement.asset.standard} assets`)
  }

  const depth = head - receipt.blockNumber + 1n
  const missing = BigInt(settings.confirmations) - depth
  const behindFinal = finalHead === undefined ? 0n : receipt.blockNumber - finalHead
  const wait = missing > behindFinal ? missing : behindFinal
  if (wait > 0n) {
    return pending(
      Number(wait) * settings.blockTimeMs,
      `The transaction has ${depth > 0n ? depth : 0n} of ${settings.confirmations} confirmations${finalHead === undefined ? '' : ` and must reach the ${settings.finality} head`}. Retry the same headers after Retry-After seconds; do not pay again.`,
    )
  }

  // Round trip 2, only when the node did not attach the block time to the logs.
  if (blockTimestamp === undefined) {
    const block = await withRpcFault(settings.name, 'reading the block', () =>
      client.getBlock({ blockHash: receipt.blockHash }).catch(orNull(BlockNotFoundError)),
    )
    if (!block) {
      return pending(
        settings.blockTimeMs,
        'The block of this transaction was just replaced. Retry the same headers after Retry-After seconds; do not pay again.',
      )
    }
    blockTimestamp = block.timestamp
  }
  const blockTime = Number(blockTimestamp)
  const now = Math.floor(context.now / 1000)
  if (requirement.maxAgeSeconds > 0 && now - blockTime > requirement.maxAgeSeconds) {
    return invalid(
      'tx_too_old',
      `The transaction is older than ${requirement.maxAgeSeconds} seconds. Pay again per accepts.`,
    )
  }
  if (context.challenge && blockTime < context.challenge.issuedAt - settings.clockSkewSeconds) {
    return invalid(
      'tx_too_old',
      'The transaction is older than the challenge it answers. Pay again.',
    )
  }
  return {
    status: 'confirmed',
    payer,
    amount,
    blockTime,
    ...(transfers.length > 1 ? { transfers } : {}),
  }
}

function orNull(notFound: new (...args: never[]) => Error) {
  return (error: unknown): null => {
    if (error instanceof notFound) return null
    throw error
  }
}

function pending(retryAfterMs: number, message: string): VerifyResult {
  return {
    status: 'pending',
    retryAfterMs: Math.min(Math.max(retryAfterMs, 1000), maxRetryAfterMs),
    message,
  }
}

function invalid(
  reason: Extract<VerifyResult, { status: 'invalid' }>['reason'],
  message: string,
): VerifyResult {
  return { status: 'invalid', reason, message }
}
