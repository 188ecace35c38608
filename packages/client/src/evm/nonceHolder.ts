import { findError } from '@tx402/core/protocol'
import {
  type Address,
  formatTransaction,
  numberToHex,
  type PublicClient,
  type RpcTransaction,
  type Transaction,
} from 'viem'

/**
 * The mined transaction that used `from`'s `nonce`, if one did: asked of the node by sender and
 * nonce (`eth_getTransactionBySenderAndNonce`, viem's `getTransaction({ sender, nonce })`), or,
 * where the node lacks that method, found by a search over the blocks: the first block after
 * which `from`'s transaction count passes `nonce` (`eth_getTransactionCount` at a block; needs
 * the node to keep that block's state), then that block's transactions. Undefined while the nonce
 * is unused. RPC faults are thrown.
 *
 * @example const holder = await nonceHolder(publicClient, payer, 7)
 */
export async function nonceHolder(
  client: PublicClient,
  from: Address,
  nonce: number,
): Promise<Transaction | undefined> {
  let found: RpcTransaction | null
  try {
    // Asked raw, not with getTransaction({ sender, nonce }): the app's client may be a viem
    // older than that parameter.
    found = await client.request({
      method: 'eth_getTransactionBySenderAndNonce',
      params: [from, numberToHex(nonce)],
    } as never)
  } catch (error) {
    // A JSON-RPC error answer (providers name a missing method with several codes): search
    // instead. A transport fault is thrown: nothing is known.
    if (!findError(error, (e) => typeof e.code === 'number')) throw error
    return searchBlocks(client, from, nonce)
  }
  // A pending one holds the slot only until a block says otherwise.
  return found?.blockNumber ? formatTransaction(found) : undefined
}

/** The sender-and-nonce lookup's fallback, on any node. */
async function searchBlocks(
  client: PublicClient,
  from: Address,
  nonce: number,
): Promise<Transaction | undefined> {
  const countAt = (blockNumber: bigint) =>
    client.getTransactionCount({ address: from, blockNumber })
  // Fresh: a cached block number from before the nonce was used would find nothing.
  let high = await client.getBlockNumber({ cacheTime: 0 })
  if ((await countAt(high)) <= nonce) return undefined
  // Backward in doubling steps to a block before the nonce was used, then halving between.
  let step = 1n
  let low = high - step
  while (low > 0n && (await countAt(low)) > nonce) {
    high = low
    step *= 2n
    low = high > step ? high - step : 0n
  }
  while (high - low > 1n) {
    const middle = (low + high) / 2n
    if ((await countAt(middle)) > nonce) high = middle
    else low = middle
  }
  const block = await client.getBlock({ blockNumber: high, includeTransactions: true })
  return block.transactions.find(
    (tx) => tx.from.toLowerCase() === from.toLowerCase() && tx.nonce === nonce,
  ) as Transaction | undefined
}
