import { type PaymentFacts, type RpcSource, rpcFault, withRpcFault } from '@tx402/core'
import { type Address, getAddress, type Hash, isAddressEqual, type PublicClient } from 'viem'
import { type NativeTracer, readNativeTrace } from './readNativeTrace.js'

/** The transaction fields a native-coin payment is read from. */
export interface NativeTransaction {
  hash: Hash
  from: Address
  to: Address | null
  value: bigint
}

/**
 * Reads a native-coin payment to `payTo`: the transaction's own value when it is sent to `payTo`
 * and covers `amount` (no extra round trip, the common case); otherwise, when the RPC offers a
 * call tracer (`tracer`, found by `ready()`), the value that reached `payTo` through calls inside
 * the transaction that did not revert (a smart wallet's `execute`, a router), one more round
 * trip. Without a tracer only the top-level value counts (the 402 says so: `nativeTransfer`).
 * A trace the RPC fails to give throws `VerifierUnavailableError` (503, nothing consumed).
 *
 * @example await readNativePayment(client, transaction, { payTo, amount: 10n ** 15n, tracer: 'trace_transaction', source })
 */
export async function readNativePayment(
  client: PublicClient,
  transaction: NativeTransaction,
  expected: { payTo: Address; amount: bigint; tracer: NativeTracer | undefined; source: RpcSource },
): Promise<Omit<PaymentFacts, 'blockTime'>> {
  const { payTo, amount, tracer, source } = expected
  const payer = getAddress(transaction.from)
  const toPayTo = transaction.to !== null && isAddressEqual(transaction.to, payTo)
  const topLevel = toPayTo ? transaction.value : 0n
  if (topLevel >= amount || !tracer) {
    return {
      payer,
      amount: topLevel,
      ...(topLevel === 0n ? { mismatch: transaction.value === 0n ? 'asset' : 'recipient' } : {}),
    }
  }
  const trace = await withRpcFault(source, 'tracing the transaction', () =>
    tracer === 'debug_traceTransaction'
      ? client.request({
          method: 'debug_traceTransaction',
          params: [transaction.hash, { tracer: 'callTracer' }],
        } as never)
      : client.request({ method: 'trace_transaction', params: [transaction.hash] } as never),
  )
  let read: ReturnType<typeof readNativeTrace>
  try {
    read = readNativeTrace(tracer, trace, payTo)
  } catch (error) {
    throw rpcFault(source, 'reading the call trace', error)
  }
  const first = read.transfers[0]
  if (!first) return { payer, amount: 0n, mismatch: read.movedElsewhere ? 'recipient' : 'asset' }
  return {
    payer: first.payer,
    amount: first.amount,
    received: read.received,
    ...(read.transfers.length > 1 ? { transfers: read.transfers } : {}),
  }
}
