import {
  type Address,
  decodeEventLog,
  erc20Abi,
  getAddress,
  isAddressEqual,
  type Log,
  size,
  toEventSelector,
} from 'viem'

/** What the Transfer logs of one receipt paid to `payTo` in `token`: facts, judged by the engine. */
export interface TransferFacts {
  /** Base units received by `payTo` from `token`, summed over the counted logs; 0 when none. */
  received: bigint
  /** Each sender's own total to `payTo`, in the order first seen (one entry per payer). */
  transfers: { payer: Address; amount: bigint }[]
  /**
   * When nothing was counted: `asset` when `payTo` got another token or `token` did not move,
   * `recipient` when `token` moved only to other addresses.
   */
  mismatch?: 'asset' | 'recipient'
  /** The block time the node attached to the logs, when it did (geth 1.16+, anvil). */
  blockTimestamp: bigint | undefined
}

const transferTopic = toEventSelector('Transfer(address,address,uint256)')

/**
 * Reads an ERC-20 payment from a receipt's logs. Counted: `Transfer` logs emitted by `token`
 * itself, with exactly 3 topics and 32 bytes of data, a non-zero value, and `to == payTo`
 * (compared as addresses), summed in total and per sender (several payers in one transaction,
 * as a batch or an ERC-4337 bundle makes, are told apart). Logs are read rather than call data,
 * so transfers made inside contract calls (smart wallets, routers, bundlers) count. A Transfer
 * to `payTo` from another contract never counts.
 *
 * @example readTransferLogs(receipt.logs, { token: usdc.address, payTo }).received // 10000n
 */
export function readTransferLogs(
  logs: readonly Log[],
  expected: { token: Address; payTo: Address },
): TransferFacts {
  let received = 0n
  let blockTimestamp: bigint | undefined
  const byPayer = new Map<Address, bigint>()
  let otherTokenToPayTo = false
  let movedElsewhere = false
  for (const log of logs) {
    const transfer = readTransfer(log)
    if (!transfer || transfer.value === 0n) continue
    const fromToken = isAddressEqual(log.address, expected.token)
    const toPayTo = isAddressEqual(transfer.to, expected.payTo)
    if (fromToken && toPayTo) {
      received += transfer.value
      const from = getAddress(transfer.from)
      byPayer.set(from, (byPayer.get(from) ?? 0n) + transfer.value)
      blockTimestamp ??= log.blockTimestamp ?? undefined
    } else if (fromToken) {
      movedElsewhere = true
    } else if (toPayTo) {
      otherTokenToPayTo = true
    }
  }
  const transfers = [...byPayer].map(([payer, amount]) => ({ payer, amount }))
  if (transfers.length > 0) return { received, transfers, blockTimestamp }
  const mismatch = movedElsewhere && !otherTokenToPayTo ? 'recipient' : 'asset'
  return { received, transfers, mismatch, blockTimestamp }
}

function readTransfer(log: Log): { from: Address; to: Address; value: bigint } | undefined {
  const [topic] = log.topics
  if (log.removed || log.topics.length !== 3 || topic?.toLowerCase() !== transferTopic) return
  if (size(log.data) !== 32) return
  try {
    const { args } = decodeEventLog({
      abi: erc20Abi,
      eventName: 'Transfer',
      data: log.data,
      topics: log.topics as [typeof transferTopic, ...`0x${string}`[]],
      strict: true,
    })
    return args
  } catch {
    return undefined
  }
}
