import { findError, isViemError, rateLimitCodes, VerifierUnavailableError } from '@tx402/core'
import { type Hash, type PublicClient, zeroAddress, zeroHash } from 'viem'
import type { NativeTracer } from './readNativeTrace.js'
import type { Finality, InternalTransfers } from './resolveOptions.js'

/** What `probeRpcFeatures` needs to know of the plugin. */
export interface RpcFeatureNeeds {
  name: string
  finality: Finality
  /** `'off'` or no native asset: no tracer is looked for. */
  internalTransfers: InternalTransfers | 'unneeded'
}

/** What the RPC offers beyond what every verification needs. */
export interface RpcFeatures {
  /** The call tracer to count native coin sent by contracts, when the RPC offers one. */
  tracer: NativeTracer | undefined
  /**
   * No tracer was found only because asking failed (a rate limit, a gateway's error): whether the
   * RPC offers one is not known, so a tracer found before is still the RPC's.
   */
  tracerUnknown: boolean
}

// JSON-RPC codes for "no such method here": EIP-1474's method not found and method not supported.
const unavailableCodes = new Set([-32601, -32004])
// A block tag the node does not serve: -39001 Unknown block (Besu, Erigon), -32602 invalid params.
const tagRefusedCodes = new Set([-39001, -32602])
// Providers answer a plan or allow-list refusal with assorted codes; their messages say it.
const unavailableMessage =
  /method .*(not found|not (available|supported|allowed|enabled)|does not exist)|not whitelisted|unsupported method|not available on|upgrade your plan|unknown tracer|tracer not found/i

/**
 * Asks the RPC, with the plugin's own options, everything verification will ask of it, and fails
 * naming what it lacks, before any payer pays: `eth_blockNumber`, `eth_getBlockByNumber` with the
 * `finality` tag (a node without `safe`/`finalized` heads answers `null`, as Nethermind and reth
 * do, or -39001 Unknown block, as Besu and Erigon do), `eth_getBlockByHash`, receipts and
 * transactions by hash, `eth_call` (ERC-1271 proofs), and, unless `internalTransfers` is `'off'`
 * or unneeded, a call tracer: `debug_traceTransaction` with callTracer, else `trace_transaction`.
 * Two round trips. The client given is the one verification uses (with its failover).
 *
 * @throws VerifierUnavailableError naming the chain and each missing method or tag (never the
 * URL or what the server wrote), also when the RPC cannot be reached; and when
 * `internalTransfers` is `'required'` and no tracer answers.
 * @example const { tracer } = await probeRpcFeatures(client, { name: 'base', finality: 'safe', internalTransfers: 'auto' })
 */
export async function probeRpcFeatures(
  client: PublicClient,
  needs: RpcFeatureNeeds,
): Promise<RpcFeatures> {
  const { name, finality } = needs
  const tag = finality === 'latest' ? 'latest' : finality
  const traces = needs.internalTransfers === 'auto' || needs.internalTransfers === 'required'
  // Round trip 1, one batch: started in the same tick.
  const [head, block, receipt, transaction, call, debugTrace, parityTrace] = await Promise.all([
    ask(client, 'eth_blockNumber', []),
    ask(client, 'eth_getBlockByNumber', [tag, false]),
    ask(client, 'eth_getTransactionReceipt', [zeroHash]),
    ask(client, 'eth_getTransactionByHash', [zeroHash]),
    ask(client, 'eth_call', [{ to: zeroAddress, data: '0x' }, 'latest']),
    traces
      ? ask(client, 'debug_traceTransaction', [zeroHash, { tracer: 'callTracer' }])
      : undefined,
    traces ? ask(client, 'trace_transaction', [zeroHash]) : undefined,
  ])
  // A tracer that fails oddly (an HTTP 400 from a gateway) is just not offered; the rest must answer.
  const answers = [head, block, receipt, transaction, call]
  const unreachable = answers.find((answer) => answer?.kind === 'fault')
  if (unreachable?.kind === 'fault') {
    throw new VerifierUnavailableError(`The ${name} RPC did not answer the feature check.`, {
      cause: unreachable.cause,
    })
  }
  const lacking: string[] = []
  const codes: string[] = []
  const need = (label: string, answer: Answer | undefined) => {
    if (answer?.kind !== 'lacking') return
    lacking.push(label)
    if (answer.code !== undefined) codes.push(`${label}: error ${answer.code}`)
  }
  need('eth_blockNumber', head)
  need(`eth_getBlockByNumber("${tag}")`, block)
  need('eth_getTransactionReceipt', receipt)
  need('eth_getTransactionByHash', transaction)
  need('eth_call', call)
  const found = block?.kind === 'answered' ? (block.result as { hash?: unknown } | null) : null
  if (block?.kind === 'answered' && (!found || typeof found.hash !== 'string')) {
    // null: the node keeps no such head (Nethermind, reth for `safe` on some networks).
    lacking.push(`eth_getBlockByNumber("${tag}")`)
    codes.push(`eth_getBlockByNumber("${tag}"): no block`)
  }
  if (found && typeof found.hash === 'string') {
    // Round trip 2: the block time of a payment is read by hash when logs lack it.
    const byHash = await ask(client, 'eth_getBlockByHash', [found.hash as Hash, false])
    if (byHash.kind === 'fault') {
      throw new VerifierUnavailableError(`The ${name} RPC did not answer the feature check.`, {
        cause: byHash.cause,
      })
    }
    if (byHash.kind === 'lacking' || !byHash.result) lacking.push('eth_getBlockByHash')
  }
  const tracer: NativeTracer | undefined =
    debugTrace?.kind === 'answered'
      ? 'debug_traceTransaction'
      : parityTrace?.kind === 'answered'
        ? 'trace_transaction'
        : undefined
  if (needs.internalTransfers === 'required' && !tracer) {
    lacking.push('debug_traceTransaction (callTracer) or trace_transaction')
  }
  if (lacking.length > 0) {
    const finalityHint =
      tag === 'latest'
        ? ''
        : ` A node that keeps no "${tag}" head cannot confirm at finality '${tag}': use one that does, or finality 'latest' with more confirmations.`
    throw new VerifierUnavailableError(
      `The ${name} RPC lacks what verification needs: ${lacking.join(', ')}.`,
      {
        details: `${codes.length ? `(${codes.join('; ')}) ` : ''}No payment on ${name} could be verified through it.${finalityHint}`,
      },
    )
  }
  const tracerUnknown =
    tracer === undefined && (debugTrace?.kind === 'fault' || parityTrace?.kind === 'fault')
  return { tracer, tracerUnknown }
}

type Answer =
  | { kind: 'answered'; result: unknown }
  | { kind: 'lacking'; code?: number }
  | { kind: 'fault'; cause: unknown }

// One raw call: its result, "the node does not serve this" (a JSON-RPC error), or a fault of the
// transport (no answer at all). An error such as "transaction not found" still shows the method.
async function ask(client: PublicClient, method: string, params: unknown[]): Promise<Answer> {
  try {
    return { kind: 'answered', result: await client.request({ method, params } as never) }
  } catch (error) {
    const rpcError = rpcErrorOf(error)
    if (!rpcError) return { kind: 'fault', cause: error }
    const { code, message } = rpcError
    if (code === -1 || rateLimitCodes.has(code)) return { kind: 'fault', cause: error }
    if (unavailableCodes.has(code) || unavailableMessage.test(message)) {
      return { kind: 'lacking', code }
    }
    if (method === 'eth_getBlockByNumber') {
      // -39001 Unknown block (Besu, Erigon) or invalid params: the tag is not served.
      return tagRefusedCodes.has(code) ? { kind: 'lacking', code } : { kind: 'fault', cause: error }
    }
    // Another JSON-RPC error ("transaction not found" for the zero hash): the method exists.
    return { kind: 'answered', result: null }
  }
}

// The JSON-RPC error anywhere in viem's chain, read by field (not by class, so any copy of viem):
// its code and what the server wrote (viem's `details`), without the request body viem adds to
// its message.
function rpcErrorOf(error: unknown): { code: number; message: string } | undefined {
  if (!isViemError(error)) return undefined
  const found = findError(error, (cause) => Number.isInteger(cause.code))
  if (!found) return undefined
  const { code, details, shortMessage } = found
  return { code: code as number, message: `${String(shortMessage ?? '')} ${String(details ?? '')}` }
}
