import { getBase58Encoder, isAddress } from '@solana/kit'
import { JsonRpcError, type JsonRpcHandler } from './jsonRpcServer.js'
import type { LiteSvmNode } from './liteSvmNode.js'
import { type Commitment, commitments, toParsedTransaction } from './parsedTransaction.js'
import { accountInfo, readAccountState, uiTokenAmount } from './readAccountState.js'

/**
 * The JSON-RPC methods `startSolanaRpc` answers over a litesvm node, in the shapes a node answers
 * (see `startSolanaRpc`); any other method is `-32601 Method not found`. `commitmentOf` says where
 * a landed transaction stands (`setCommitment` can move it).
 *
 * @example const server = await serveJsonRpc(answerSolanaRpc({ node, genesisHash, commitmentOf }))
 */
export function answerSolanaRpc({
  node,
  genesisHash,
  commitmentOf,
}: {
  node: LiteSvmNode
  genesisHash: string
  commitmentOf: (signature: string) => Commitment | undefined
}): JsonRpcHandler {
  const { svm } = node
  const context = () => ({ context: { apiVersion: '2.2.0', slot: node.slot() } })

  return (method: string, params: unknown[]): unknown => {
    const config = (params[1] ?? {}) as Record<string, unknown>
    switch (method) {
      case 'getGenesisHash':
        return genesisHash
      case 'getSlot':
      case 'getBlockHeight':
        return node.slot()
      case 'getBlockTime':
        // The wall-clock time the latest transaction landed (each lands in a slot of its own).
        return Number(svm.getClock().unixTimestamp)
      case 'getEpochInfo':
        return {
          absoluteSlot: node.slot(),
          blockHeight: node.slot(),
          epoch: Number(svm.getClock().epoch),
          slotIndex: 0,
          slotsInEpoch: 432_000,
          transactionCount: 0,
        }
      case 'getLatestBlockhash':
        return {
          ...context(),
          value: { blockhash: svm.latestBlockhash(), lastValidBlockHeight: node.slot() + 150 },
        }
      case 'getMinimumBalanceForRentExemption':
        return Number(svm.minimumBalanceForRentExemption(BigInt(Number(params[0] ?? 0))))
      case 'getBalance':
        return {
          ...context(),
          value: Number(readAccountState(svm, addressParam(params[0])).lamports),
        }
      case 'getAccountInfo': {
        if ((config.encoding ?? 'base58') !== 'base64') {
          throw new JsonRpcError(-32602, 'this test node serves getAccountInfo in base64 only')
        }
        const info = accountInfo(svm, addressParam(params[0]))
        return {
          ...context(),
          value: info
            ? {
                data: [info.data.toString('base64'), 'base64'],
                executable: info.executable,
                lamports: info.lamports,
                owner: info.owner.toBase58(),
                rentEpoch: 0,
                space: info.data.length,
              }
            : null,
        }
      }
      case 'getTokenAccountBalance': {
        const token = readAccountState(svm, addressParam(params[0])).token
        if (!token) throw new JsonRpcError(-32602, 'Invalid param: not a Token account')
        return { ...context(), value: uiTokenAmount(token.amount, token.decimals) }
      }
      case 'sendTransaction': {
        if (typeof params[0] !== 'string') throw new JsonRpcError(-32602, 'Invalid params')
        const wire =
          config.encoding === 'base64'
            ? new Uint8Array(Buffer.from(params[0], 'base64'))
            : new Uint8Array(getBase58Encoder().encode(params[0]))
        return node.submit(wire, { skipPreflight: config.skipPreflight === true })
      }
      case 'getSignatureStatuses': {
        const signatures = Array.isArray(params[0]) ? (params[0] as unknown[]) : []
        return {
          ...context(),
          value: signatures.map((signature) => {
            const tx = typeof signature === 'string' ? node.transaction(signature) : undefined
            if (!tx) return null
            const level = commitmentOf(signature as string)!
            return {
              slot: tx.slot,
              confirmations: level === 'finalized' ? null : 0,
              err: tx.err,
              status: tx.err === null ? { Ok: null } : { Err: tx.err },
              confirmationStatus: level,
            }
          }),
        }
      }
      case 'getTransaction': {
        if (config.encoding !== 'jsonParsed') {
          throw new JsonRpcError(-32602, 'this test node serves getTransaction as jsonParsed only')
        }
        const wanted = (config.commitment as Commitment | undefined) ?? 'finalized'
        if (wanted === 'processed') {
          throw new JsonRpcError(-32602, 'Method does not support commitment below `confirmed`')
        }
        const signature = String(params[0])
        const tx = node.transaction(signature)
        const level = commitmentOf(signature)
        if (!tx || !level || commitments.indexOf(level) < commitments.indexOf(wanted)) return null
        const maxVersion = config.maxSupportedTransactionVersion
        if (tx.version === 0 && maxVersion === undefined) {
          throw new JsonRpcError(
            -32015,
            'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0',
          )
        }
        return toParsedTransaction(tx, { withVersion: maxVersion !== undefined })
      }
      default:
        throw new JsonRpcError(-32601, 'Method not found')
    }
  }
}

/**
 * A base58 address parameter, checked: throws `JsonRpcError` -32602 otherwise, as a node does.
 *
 * @example const account = addressParam(params[0])
 */
export function addressParam(value: unknown): string {
  if (typeof value !== 'string' || !isAddress(value)) {
    throw new JsonRpcError(-32602, 'Invalid param: Invalid')
  }
  return value
}
