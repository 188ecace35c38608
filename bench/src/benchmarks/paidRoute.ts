import type { BenchContext, KoaServer } from '../benchContext.js'
import type { BenchChain } from '../infra/benchChain.js'
import type { LoadGenerator } from '../load/loadGenerator.js'

/** What a benchmark of the main server's paid route works with. */
export interface PaidRoute {
  /** The production-like server (`context.mainServer()`): its `/paid` and `/bare` routes. */
  server: KoaServer
  /** Anvil, paying the route's price; `chain.rpc` counts the server's RPC round trips. */
  chain: BenchChain
  /** The main load generator. */
  load: LoadGenerator
}

/**
 * Starts, or reuses, the main server, the chain and the main load generator, in that order.
 *
 * @example const { server, chain, load } = await paidRoute(context)
 */
export async function paidRoute(context: BenchContext): Promise<PaidRoute> {
  const server = await context.mainServer()
  const chain = await context.chain()
  const load = await context.load()
  return { server, chain, load }
}
