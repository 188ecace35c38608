import type { Connection } from '@solana/web3.js'
import { type RpcSource, rateLimitCodes, rpcFault, VerifierUnavailableError } from '@tx402/core'
import bs58 from 'bs58'

// A signature no transaction has (64 zero bytes): a node that serves the method answers null.
const unknownSignature = bs58.encode(new Uint8Array(64))
// Method not found / not supported, and -32011 "Transaction history is not available from this
// node" (a validator run without --enable-rpc-transaction-history).
const lackingCodes = new Set([-32601, -32004, -32011])

/**
 * Asks the Solana RPC, with the plugin's own options, what verification will ask of it, and
 * fails naming what it lacks, before any payer pays: `getTransaction` (jsonParsed, at
 * `commitment`, with `maxSupportedTransactionVersion` 0), `getSignatureStatuses` with
 * `searchTransactionHistory` (a payment not yet at the commitment), and `getSlot` at
 * `commitment`. One round of parallel calls. Proofs are checked locally (ed25519): no RPC.
 *
 * @throws VerifierUnavailableError naming the chain and each method it lacks (never the URL or
 * what the node wrote); an RPC fault (down, rate-limited) throws as such.
 * @example await probeRpcFeatures(connection, { name: 'solana', commitment: 'confirmed' }, source)
 */
export async function probeRpcFeatures(
  connection: Connection,
  needs: { name: string; commitment: 'confirmed' | 'finalized' },
  source: RpcSource,
): Promise<void> {
  const { name, commitment } = needs
  const checks: [string, () => Promise<unknown>][] = [
    [
      `getTransaction (jsonParsed, ${commitment}, maxSupportedTransactionVersion 0)`,
      () =>
        connection.getParsedTransaction(unknownSignature, {
          commitment,
          maxSupportedTransactionVersion: 0,
        }),
    ],
    [
      'getSignatureStatuses (searchTransactionHistory)',
      () => connection.getSignatureStatuses([unknownSignature], { searchTransactionHistory: true }),
    ],
    [`getSlot (${commitment})`, () => connection.getSlot(commitment)],
  ]
  const answers = await Promise.allSettled(checks.map(([, ask]) => ask()))
  const lacking: string[] = []
  answers.forEach((answer, index) => {
    if (answer.status === 'fulfilled') return
    const code = rpcErrorCode(answer.reason)
    if (code === undefined || rateLimitCodes.has(code) || !lackingCodes.has(code)) {
      throw rpcFault(source, 'checking what the RPC serves', answer.reason)
    }
    lacking.push(`${checks[index]![0]}: error ${code}`)
  })
  if (lacking.length > 0) {
    throw new VerifierUnavailableError(
      `The ${name} RPC lacks what verification needs: ${lacking.join(', ')}.`,
      {
        details: `No payment on ${name} could be verified through it. Use an RPC that keeps transaction history and serves these methods.`,
      },
    )
  }
}

// The JSON-RPC code of web3.js's error (SolanaJSONRPCError), read by field along the cause chain.
function rpcErrorCode(error: unknown): number | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'number' && Number.isInteger(code)) return code
  }
  return undefined
}
