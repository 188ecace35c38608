import { proofMessage } from '@tx402/core'
import { type AnvilNode, deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'
import { type Address, encodeFunctionData, type Hex, parseGwei } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { passThroughProxy } from './passThroughProxy.js'
import { type RpcCounter, rpcCounter } from './rpcCounts.js'

/** The price of the bench's paid route, and what one payment sends: 0.01 of a 6-decimal token. */
export const price = '0.01'
export const priceBaseUnits = 10_000n

/** An anvil node with a test USDC, a counting proxy in front of it, and a way to pay. */
export interface BenchChain {
  node: AnvilNode
  /** The URL of the counting proxy: what the servers under test are given as their RPC. */
  rpcUrl: string
  /** What reached the proxy. */
  rpc: RpcCounter
  chainId: number
  token: Address
  payTo: Address
  /**
   * Sends `count` fresh payments of `priceBaseUnits` to `payTo` (straight to anvil, not through
   * the proxy), mines the blocks that give the last one its confirmations, and returns the hashes.
   */
  pay(count: number, confirmations?: number): Promise<Hex[]>
  /**
   * The headers a client presents a payment made by `pay` with on the bench's `base` route:
   * `x-payment-tx`, `x-payment-chain` and `x-payment-proof`, signed by the transaction's payer,
   * as the default binding asks (docs/protocol.md section 3); with `challengeId`, also
   * `x-payment-challenge`, and the proof signs it.
   */
  paymentHeaders(hash: Hex, challengeId?: string): Promise<Record<string, string>>
  stop(): Promise<void>
}

const payerCount = 4
const gas = 100_000n

/**
 * Starts anvil (chain id 31337), deploys the test token, funds four payers, and puts a counting
 * proxy in front of the node.
 *
 * @example const chain = await startBenchChain(); const [hash] = await chain.pay(1)
 */
export async function startBenchChain(): Promise<BenchChain> {
  const node = await startAnvil({ chainId: 31337 })
  try {
    const payers = node.accounts
      .slice(1, 1 + payerCount)
      .map((a) => privateKeyToAccount(a.privateKey))
    const payTo = node.accounts[9]!.address
    const token = await deployTestToken(node, {
      mint: payers.map((p) => [p.address, 10n ** 15n] as const),
    })
    // Records the methods of every HTTP request it receives; a batch reaches anvil as one.
    const proxy = await passThroughProxy(node.rpcUrl)
    const nonces = await Promise.all(
      payers.map((p) => node.publicClient.getTransactionCount({ address: p.address })),
    )
    const data = encodeFunctionData({
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [payTo, priceBaseUnits],
    })

    const payerOf = new Map<Hex, (typeof payers)[number]>()
    // Signed locally with explicit nonce, gas and fees: one eth_sendRawTransaction per payment.
    const send = async (index: number): Promise<Hex> => {
      const payer = payers[index % payerCount]!
      const nonce = nonces[index % payerCount]!
      nonces[index % payerCount] = nonce + 1
      const signed = await payer.signTransaction({
        chainId: node.chainId,
        type: 'eip1559',
        to: token,
        data,
        nonce,
        gas,
        maxFeePerGas: parseGwei('100'),
        maxPriorityFeePerGas: parseGwei('1'),
      })
      const hash = await node.publicClient.sendRawTransaction({ serializedTransaction: signed })
      payerOf.set(hash, payer)
      return hash
    }

    return {
      node,
      rpcUrl: proxy.url,
      rpc: rpcCounter(proxy),
      chainId: node.chainId,
      token,
      payTo,
      async pay(count, confirmations = 2) {
        const hashes: Hex[] = []
        // Four at a time, one per payer, so nonces never arrive out of order.
        for (let i = 0; i < count; i += payerCount) {
          const batch = Array.from({ length: Math.min(payerCount, count - i) }, (_, j) => i + j)
          hashes.push(...(await Promise.all(batch.map(send))))
        }
        const last = hashes.at(-1)
        if (last) {
          const receipt = await node.publicClient.waitForTransactionReceipt({
            hash: last,
            pollingInterval: 20,
          })
          if (receipt.status !== 'success') throw new Error(`payment ${last} reverted`)
          if (confirmations > 1) await node.testClient.mine({ blocks: confirmations - 1 })
        }
        return hashes
      },
      async paymentHeaders(hash, challengeId) {
        const payer = payerOf.get(hash)
        if (!payer) throw new Error(`${hash} was not paid by this bench chain`)
        const network = `eip155:${node.chainId}` as const
        const message = proofMessage({ network, txId: hash, challengeId })
        return {
          'x-payment-tx': hash,
          'x-payment-chain': 'base',
          'x-payment-proof': await payer.signMessage({ message }),
          ...(challengeId ? { 'x-payment-challenge': challengeId } : {}),
        }
      },
      async stop() {
        await proxy.close()
        await node.stop()
      },
    }
  } catch (error) {
    await node.stop()
    throw error
  }
}
