import type { Hex } from 'viem'
import type { BenchChain } from './benchChain.js'

// Payments per block: 250 transfers of at most 100,000 gas fit anvil's 30M block gas limit.
const perBlock = 250

/**
 * Makes `count` fresh payments with `chain.pay`, many per block: anvil mining one block per
 * transaction slows down as the chain grows (thousands of blocks took minutes), so it mines on
 * a 1 s interval while they are sent, and one block per transaction again afterwards.
 *
 * @example const hashes = await payMany(chain, 3_000)
 */
export async function payMany(chain: BenchChain, count: number): Promise<Hex[]> {
  const { testClient } = chain.node
  const hashes: Hex[] = []
  await testClient.setIntervalMining({ interval: 1 })
  try {
    while (hashes.length < count) {
      hashes.push(...(await chain.pay(Math.min(perBlock, count - hashes.length))))
    }
  } finally {
    await testClient.setAutomine(true)
  }
  return hashes
}
