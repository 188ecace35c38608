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

/** What the Transfer logs of one receipt pay to `payTo` in `token`. */
export type TransferVerdict =
  | {
      status: 'paid'
      /** Base units received by `payTo` from `token`, summed over the counted logs. */
      amount: bigint
      /** The sender of the first counted log. */
      payer: Address
      /** Each sender's own total to `payTo`, in the order first seen (one entry per payer). */
      transfers: { payer: Address; amount: bigint }[]
      /** The block time the node attached to the logs, when it did (geth 1.16+, anvil). */
      blockTimestamp: bigint | undefined
    }
  | {
      status: 'invalid'
      reason: 'wrong_asset' | 'wrong_recipient' | 'insufficient_amount'
      message: string
    }

const transferTopic = toEventSelector('Transfer(address,address,uint256)')

/**
 * Reads an ERC-20 payment from a receipt's logs. Counted: `Transfer` logs emitted by `token`
 * itself, with exactly 3 topics and 32 bytes of data, a non-zero value, and `to == payTo`
 * (compared as addresses), summed in total and per sender (several payers in one transaction,
 * as a batch or an ERC-4337 bundle makes, are told apart). Logs are read rather than call data, so transfers made inside contract
 * calls (smart wallets, routers, bundlers) count. Otherwise: a Transfer to `payTo` from another
 * contract is `wrong_asset`; `token` moving only elsewhere is `wrong_recipient`; no movement of
 * `token` at all is `wrong_asset`; less than `amount` is `insufficient_amount`.
 *
 * @example verifyTransferLogs(receipt.logs, { token: usdc.address, symbol: 'USDC', payTo, amount: 10000n })
 */
export function verifyTransferLogs(
  logs: readonly Log[],
  expected: { token: Address; symbol: string; payTo: Address; amount: bigint },
): TransferVerdict {
  let amount = 0n
  let first: { payer: Address; blockTimestamp: bigint | undefined } | undefined
  const byPayer = new Map<Address, bigint>()
  let otherTokenToPayTo: Address | undefined
  let movedElsewhere = false
  for (const log of logs) {
    const transfer = readTransfer(log)
    if (!transfer || transfer.value === 0n) continue
    const fromToken = isAddressEqual(log.address, expected.token)
    const toPayTo = isAddressEqual(transfer.to, expected.payTo)
    if (fromToken && toPayTo) {
      amount += transfer.value
      const from = getAddress(transfer.from)
      byPayer.set(from, (byPayer.get(from) ?? 0n) + transfer.value)
      first ??= { payer: from, blockTimestamp: log.blockTimestamp ?? undefined }
    } else if (fromToken) {
      movedElsewhere = true
    } else if (toPayTo) {
      otherTokenToPayTo ??= getAddress(log.address)
    }
  }
  const asset = `${expected.symbol} (${expected.token})`
  if (!first) {
    if (otherTokenToPayTo) {
      return {
        status: 'invalid',
        reason: 'wrong_asset',
        message: `The transaction sent ${expected.payTo} a token from ${otherTokenToPayTo}, not ${asset}. Pay again in ${expected.symbol}.`,
      }
    }
    if (movedElsewhere) {
      return {
        status: 'invalid',
        reason: 'wrong_recipient',
        message: `The transaction moved ${asset} to another address, not to ${expected.payTo}. Pay again to payTo.`,
      }
    }
    return {
      status: 'invalid',
      reason: 'wrong_asset',
      message: `The transaction moved no ${asset}. Pay again in ${expected.symbol}.`,
    }
  }
  if (amount < expected.amount) {
    return {
      status: 'invalid',
      reason: 'insufficient_amount',
      message: `The transaction paid ${amount} base units of ${asset}; the price is ${expected.amount}. Pay again in full.`,
    }
  }
  const transfers = [...byPayer].map(([payer, sent]) => ({ payer, amount: sent }))
  return { status: 'paid', amount, ...first, transfers }
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
