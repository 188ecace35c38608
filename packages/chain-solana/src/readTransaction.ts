import type { Connection, ParsedTransactionWithMeta, TransactionVersion } from '@solana/web3.js'
import { type RpcSource, rpcFault } from '@tx402/core'
import { isSolanaJsonRpcError } from './rpcSource.js'

/** Every transaction version the installed web3.js parses (`legacy` and `0` in web3.js 1.x). */
export const readableVersions: readonly TransactionVersion[] = ['legacy', 0]

/**
 * JSON-RPC error of a node asked for a transaction of a version above
 * `maxSupportedTransactionVersion` ("Transaction version (N) is not supported by the requesting
 * client").
 */
const unsupportedVersionCode = -32015

/** What `readTransaction` found. */
export type ReadTransactionResult =
  | { kind: 'found'; tx: ParsedTransactionWithMeta }
  | { kind: 'missing' }
  /** A transaction exists, of a version this plugin cannot read: a definite answer, not a fault. */
  | { kind: 'unsupported'; version: string }

/**
 * `getTransaction` (jsonParsed) at `commitment`, asking for the highest version web3.js reads.
 * A node's -32015 answer, or a transaction of another version, is `unsupported` (a 402, so the
 * payer stops presenting it) rather than a fault (a 503 it would retry forever). Other failures
 * throw `VerifierUnavailableError`.
 *
 * @example const read = await readTransaction(connection, txId, 'confirmed')
 */
export async function readTransaction(
  connection: Connection,
  txId: string,
  commitment: 'confirmed' | 'finalized',
  source: RpcSource,
): Promise<ReadTransactionResult> {
  let tx: ParsedTransactionWithMeta | null
  try {
    tx = await connection.getParsedTransaction(txId, {
      commitment,
      maxSupportedTransactionVersion: Math.max(
        ...readableVersions.filter((v): v is 0 => typeof v === 'number'),
      ),
    })
  } catch (error) {
    if (isSolanaJsonRpcError(error) && error.code === unsupportedVersionCode) {
      const version = /version \((\w+)\)/i.exec(error.message)?.[1] ?? 'unknown'
      return { kind: 'unsupported', version }
    }
    throw rpcFault(source, 'reading the transaction', error)
  }
  if (!tx) return { kind: 'missing' }
  // A node omits `version` for legacy transactions when asked without a maximum.
  const version: TransactionVersion | undefined = tx.version
  if (version !== undefined && !readableVersions.includes(version)) {
    return { kind: 'unsupported', version: String(version) }
  }
  return { kind: 'found', tx }
}
