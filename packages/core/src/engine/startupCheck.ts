import { BaseError, ConfigurationError } from '../errors.js'
import type { Ledger } from '../ledger.js'
import { paymentKey } from '../paymentKey.js'
import type { ChainPlugin, PaymentRequirement } from '../plugin.js'
import { type RoutePrice, resolveOffers } from '../price.js'
import type { Network } from '../protocol/types.js'
import { describeFault } from '../rpc/rpcFault.js'
import { chainClockOf } from './chainClock.js'

/** The state of one dependency: `ok`, or the reason it is not. */
export interface DependencyHealth {
  ok: boolean
  /**
   * Why it failed, in one sentence; never a secret, an RPC URL or what a server answered (a
   * health route is often public). `ready()`'s message adds the details.
   */
  error?: string
}

/** The state of one chain's RPC (and, where the plugin checks it, its `payTo`). */
export interface ChainHealth extends DependencyHealth {
  chain: string
  network: Network
  /**
   * Seconds the chain's latest block time runs ahead of this server's clock (negative: behind),
   * sampled now; freshness is judged in the chain's time with it (docs/protocol.md section 4,
   * check 6); the last known one when the RPC did not answer now. Absent when the plugin cannot
   * tell (no `chainTime`) or was never answered.
   */
  clockOffsetSeconds?: number
}

/** What `health()` reports: `ok` only when every chain and the ledger are. */
export interface PaymentHealth {
  ok: boolean
  chains: ChainHealth[]
  ledger: DependencyHealth
}

/** The startup check and health report of one set of chains and one ledger. */
export interface StartupChecks {
  /**
   * Checks, before the app listens, that every chain's RPC answers and serves its configured
   * network (and the plugin's own `payTo` checks, given the route's price on that chain), and
   * that the ledger opens and migrates.
   *
   * @throws ConfigurationError listing every failure, so nobody is asked to pay first.
   */
  ready(): Promise<void>
  /** Asks every dependency now; never throws. Serve it as a health route (503 when not `ok`). */
  health(): Promise<PaymentHealth>
}

// A key no payment can have: a consumed-check of it exercises the ledger's read path.
const probeKey = paymentKey({
  network: 'tx402:health',
  txId: 'probe',
  payTo: 'probe',
  payer: 'probe',
})

/**
 * Builds `ready()` and `health()` over the chains and ledger of a paid route.
 *
 * @example
 * const checks = startupChecks({ chains, ledger })
 * await checks.ready()                       // throws before listening when a dependency is wrong
 * const { ok } = await checks.health()       // for /api/health
 */
export function startupChecks(
  options: {
    chains: readonly ChainPlugin[]
    ledger: Ledger
    /** Default: the plugin's. */
    maxAgeSeconds?: number | undefined
  } & Partial<RoutePrice>,
): StartupChecks {
  const { chains, ledger } = options
  const requirements = routeRequirements(options)

  const checkChain = async (plugin: ChainPlugin, now: boolean): Promise<ChainHealth> => {
    // now: for health(), which may be public; otherwise for ready(), whose message has details.
    const state = { chain: plugin.name, network: plugin.network }
    try {
      // health() asks the RPC again; ready() may rely on what the plugin already proved.
      if (now && plugin.probe) await plugin.probe()
      else await plugin.ready?.(requirements.get(plugin))
      // Sampled here too, so the first payments are judged in the chain's time.
      const clockOffsetSeconds = await chainClockOf(plugin).sample()
      return {
        ...state,
        ok: true,
        ...(clockOffsetSeconds === undefined ? {} : { clockOffsetSeconds }),
      }
    } catch (error) {
      return { ...state, ok: false, error: describe(error, !now) }
    }
  }

  const checkLedger = async (open: boolean): Promise<DependencyHealth> => {
    try {
      if (open && ledger.ready) await ledger.ready()
      else await ledger.isConsumed(probeKey)
      return { ok: true }
    } catch (error) {
      return { ok: false, error: describe(error, open) }
    }
  }

  const report = async (open: boolean): Promise<PaymentHealth> => {
    const [chainStates, ledgerState] = await Promise.all([
      Promise.all(chains.map((plugin) => checkChain(plugin, !open))),
      checkLedger(open),
    ])
    return {
      ok: ledgerState.ok && chainStates.every((c) => c.ok),
      chains: chainStates,
      ledger: ledgerState,
    }
  }

  return {
    async ready() {
      const state = await report(true)
      if (state.ok) return
      const lines = state.chains
        .filter((c) => !c.ok)
        .map((c) => `- ${c.chain} (${c.network}): ${c.error}`)
      if (!state.ledger.ok) lines.push(`- ledger: ${state.ledger.error}`)
      throw new ConfigurationError('tx402 startup check failed: do not serve paid routes yet.', {
        details: `\n${lines.join('\n')}`,
      })
    },
    health: () => report(false),
  }
}

// What the route asks on each chain, so ready() can tell a price no payer could pay; none when
// the options carry no price (setup itself refuses a price it cannot resolve).
function routeRequirements(
  options: Parameters<typeof startupChecks>[0],
): Map<ChainPlugin, PaymentRequirement[]> {
  const byPlugin = new Map<ChainPlugin, PaymentRequirement[]>()
  if (typeof options.price !== 'string') return byPlugin
  try {
    const offers = resolveOffers(options.chains, options as RoutePrice, options.maxAgeSeconds)
    for (const { plugin, requirement } of offers) {
      byPlugin.set(plugin, [...(byPlugin.get(plugin) ?? []), requirement])
    }
  } catch {
    // Setup (createPaymentEngine) already refused these options.
  }
  return byPlugin
}

// A tx402 error's message (and, for ready(), its details); any other error through
// describeFault, which keeps its first line and replaces every URL.
function describe(error: unknown, withDetails: boolean): string {
  if (error instanceof BaseError) {
    return withDetails && error.details
      ? `${error.shortMessage} ${error.details}`
      : error.shortMessage
  }
  return describeFault(error).message
}
