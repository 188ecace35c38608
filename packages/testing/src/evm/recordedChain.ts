import { type JsonRpcAnswer, JsonRpcError } from './serveJsonRpc.js'

/** JSON-RPC objects as nodes return them (hex quantities), e.g. from a fixture file. */
type RpcRecord = Record<string, unknown>

/**
 * Test support: answers the read calls a verifier makes from a fixed set of records, for
 * `serveJsonRpc`. Unknown hashes and blocks answer `null`, as a node does; other methods answer
 * "method not found". What a plugin's startup check asks that no recording holds is made up: a
 * block tag (`latest`, `safe`, `finalized`) answers a head block numbered `head` (with
 * `headTime`, default the latest recorded block's), and `eth_call` answers `0x`, as a call to an
 * address without code does.
 *
 * @example
 * const server = await serveJsonRpc(recordedChain({ chainId: 43114, head: 0x1d612e8n, receipts: [receipt] }))
 */
export function recordedChain(records: {
  chainId: number
  /** The number `eth_blockNumber` answers. */
  head: bigint
  receipts?: readonly RpcRecord[]
  transactions?: readonly RpcRecord[]
  blocks?: readonly RpcRecord[]
  /** The timestamp of the made-up head block, in seconds (hex quantity). */
  headTime?: string
}): JsonRpcAnswer {
  const find = (list: readonly RpcRecord[] | undefined, field: string, value: unknown) =>
    list?.find((record) => String(record[field]).toLowerCase() === String(value).toLowerCase()) ??
    null
  const headBlock = {
    hash: `0x${'e'.repeat(64)}`,
    number: `0x${records.head.toString(16)}`,
    timestamp: records.headTime ?? records.blocks?.at(-1)?.timestamp ?? '0x0',
    transactions: [],
  }
  return (method, params) => {
    switch (method) {
      case 'eth_chainId':
        return `0x${records.chainId.toString(16)}`
      case 'eth_blockNumber':
        return `0x${records.head.toString(16)}`
      case 'eth_getTransactionReceipt':
        return find(records.receipts, 'transactionHash', params[0])
      case 'eth_getTransactionByHash':
        return find(records.transactions, 'hash', params[0])
      case 'eth_getBlockByHash':
        return find(records.blocks, 'hash', params[0]) ?? find([headBlock], 'hash', params[0])
      case 'eth_call':
        return '0x'
      case 'eth_getBlockByNumber':
        return typeof params[0] === 'string' && params[0].startsWith('0x')
          ? (records.blocks?.find(
              (block) => BigInt(String(block.number)) === BigInt(params[0] as string),
            ) ?? null)
          : headBlock
      default:
        throw new JsonRpcError(-32601, `the method ${method} does not exist/is not available`)
    }
  }
}
