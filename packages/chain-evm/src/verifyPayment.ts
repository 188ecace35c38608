import {
  errorNamed,
  type PaymentFacts,
  rpcFault,
  type VerifyContext,
  type VerifyResult,
  withRpcFault,
} from '@tx402/core'
import { type Address, getAddress, type Hash, hexToNumber, type PublicClient } from 'viem'
import { readNativePayment } from './readNativePayment.js'
import type { NativeTracer } from './readNativeTrace.js'
import { readTransferLogs } from './readTransferLogs.js'
import type { EvmChainConfig } from './resolveOptions.js'
import { rpcSource, wrongChainError } from './rpcSource.js'

/** The chain settings `verifyPayment` needs. */
export type VerifySettings = Pick<
  EvmChainConfig,
  'name' | 'chainId' | 'confirmations' | 'finality' | 'blockTimeMs'
> & {
  /** The call tracer the RPC offers (found by `ready()`), to count native coin sent by contracts. */
  tracer?: NativeTracer | undefined
}

const maxRetryAfterMs = 60_000

/** How verification checks that its RPC still serves `settings.chainId`. */
export interface ChainIdCheck {
  /** Ask `eth_chainId` in the first batch (a missing receipt always asks, in the second). */
  askChainId: boolean
  /** The answer showed the right chain. */
  onRightChain?: () => void
  /** The answer showed another chain (the call then throws `VerifierUnavailableError`). */
  onWrongChain?: (answered: number) => void
}

/**
 * Reads one payment's facts from the chain's own record, in as few sequential round trips as the
 * data allows: one JSON-RPC batch (receipt, head number, the `safe`/`finalized` head when asked,
 * the transaction for native coin, and the chain id when `check.askChainId`), then the call trace
 * only for native coin the top-level value does not cover (`settings.tracer`), and the block for
 * its time only when the node did not attach `blockTimestamp` to the logs. The engine judges the facts (`judgePayment`);
 * what only the chain can tell is answered here: a missing receipt (pending if the node knows the
 * transaction, else `tx_not_found`), a revert (`tx_failed`), too few blocks on top (pending). RPC
 * faults throw `VerifierUnavailableError`, and so does an RPC that answers for another chain than
 * `settings.chainId` (a missing receipt there proves nothing), after calling `onWrongChain`: a
 * missing receipt is only reported once the chain id was asked in this verification.
 *
 * @example await verifyPayment(client, settings, { txId, requirement }, { askChainId: true, onWrongChain: () => rpc.distrust(client) })
 */
export async function verifyPayment(
  client: PublicClient,
  settings: VerifySettings,
  context: VerifyContext,
  check: ChainIdCheck = { askChainId: true },
): Promise<VerifyResult> {
  const { requirement } = context
  const hash = context.txId as Hash
  const native = requirement.asset.standard === 'native'
  const payTo = requirement.payTo as Address
  const source = rpcSource(settings.name)

  // Round trip 1: started in the same tick, so immediateBatchHttp sends them as one batch.
  const [chainId, receipt, latest, finalHead, transaction] = await withRpcFault(
    source,
    'reading the transaction',
    () =>
      Promise.all([
        check.askChainId ? askChainId(client) : undefined,
        client.getTransactionReceipt({ hash }).catch(orNull('TransactionReceiptNotFoundError')),
        // The latest block itself when the engine's clock wants a sample: its time, same trip.
        context.chainTime
          ? client.getBlock({ blockTag: 'latest' })
          : client.getBlockNumber({ cacheTime: 0 }),
        settings.finality === 'latest'
          ? undefined
          : client.getBlock({ blockTag: settings.finality }).then((block) => block.number),
        native
          ? client.getTransaction({ hash }).catch(orNull('TransactionNotFoundError'))
          : undefined,
      ]),
  )

  const head = typeof latest === 'bigint' ? latest : latest.number
  const chainTime = typeof latest === 'bigint' ? undefined : Number(latest.timestamp)

  // An RPC re-pointed at another chain after it was proven: its answers say nothing here.
  const trust = (answered: number | undefined) => {
    if (answered === undefined) return
    if (answered !== settings.chainId) {
      check.onWrongChain?.(answered)
      throw wrongChainError(settings.name, answered, settings.chainId)
    }
    check.onRightChain?.()
  }
  trust(chainId)

  if (!receipt) {
    // "Not found" is only said by an RPC that just showed the right chain id.
    const [known, answered] = await withRpcFault(source, 'looking the transaction up', () =>
      Promise.all([
        transaction !== undefined
          ? transaction
          : client.getTransaction({ hash }).catch(orNull('TransactionNotFoundError')),
        chainId === undefined ? askChainId(client) : undefined,
      ]),
    )
    trust(answered)
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
    throw rpcFault(source, 'reading the receipt', new Error('receipt of another transaction'))
  }
  if (receipt.status !== 'success') {
    return invalid(
      'tx_failed',
      'The transaction reverted, so nothing was paid. Pay again per accepts.',
    )
  }

  let facts: Omit<PaymentFacts, 'blockTime'>
  let blockTimestamp: bigint | undefined
  if (requirement.asset.standard === 'erc20') {
    const read = readTransferLogs(receipt.logs, {
      token: requirement.asset.address as Address,
      payTo,
    })
    blockTimestamp = read.blockTimestamp
    // The first payer's own part; every payer's is in `transfers` when there are several.
    const first = read.transfers[0]
    facts = {
      payer: first?.payer ?? (receipt.from ? getAddress(receipt.from) : ''),
      amount: first?.amount ?? 0n,
      received: read.received,
      ...(read.transfers.length > 1 ? { transfers: read.transfers } : {}),
      ...(read.mismatch ? { mismatch: read.mismatch } : {}),
    }
  } else if (requirement.asset.standard === 'native') {
    if (!transaction) {
      throw rpcFault(source, 'reading the transaction', new Error('receipt without transaction'))
    }
    // The top-level value; value moved inside the transaction only with a tracer (one more trip).
    facts = await readNativePayment(client, transaction, {
      payTo,
      amount: requirement.amount,
      tracer: settings.tracer,
      source,
    })
    blockTimestamp = transaction.blockTimestamp ?? undefined
  } else {
    throw new TypeError(`${settings.name} cannot verify ${requirement.asset.standard} assets`)
  }

  const depth = head - receipt.blockNumber + 1n
  const missing = BigInt(settings.confirmations) - depth
  const behindFinal = finalHead === undefined ? 0n : receipt.blockNumber - finalHead
  const wait = missing > behindFinal ? missing : behindFinal
  if (wait > 0n) {
    // What moved is known already (`seen`): the engine refuses at once what can never pay.
    return {
      ...pending(
        Number(wait) * settings.blockTimeMs,
        `The transaction has ${depth > 0n ? depth : 0n} of ${settings.confirmations} confirmations${finalHead === undefined ? '' : ` and must reach the ${settings.finality} head`}. Retry the same headers after Retry-After seconds; do not pay again.`,
      ),
      seen: facts,
    }
  }

  // Round trip 2, only when the node did not attach the block time to the logs.
  if (blockTimestamp === undefined) {
    const block = await withRpcFault(source, 'reading the block', () =>
      client.getBlock({ blockHash: receipt.blockHash }).catch(orNull('BlockNotFoundError')),
    )
    if (!block) {
      return {
        ...pending(
          settings.blockTimeMs,
          'The block of this transaction was just replaced. Retry the same headers after Retry-After seconds; do not pay again.',
        ),
        seen: facts,
      }
    }
    blockTimestamp = block.timestamp
  }
  return {
    status: 'confirmed',
    ...facts,
    blockTime: Number(blockTimestamp),
    confirmations: Number(depth),
    ...(chainTime === undefined ? {} : { chainTime }),
  }
}

// Not getChainId(): it dedupes, so its answer could come from another batch.
function askChainId(client: PublicClient): Promise<number> {
  return client.request({ method: 'eth_chainId' }).then((id) => hexToNumber(id))
}

// By viem's error name, not instanceof: the same answer from any copy of viem.
function orNull(notFound: string) {
  return (error: unknown): null => {
    if (errorNamed(error, notFound)) return null
    throw error
  }
}

function pending(
  retryAfterMs: number,
  message: string,
): Extract<VerifyResult, { status: 'pending' }> {
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
