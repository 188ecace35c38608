import type { ChainPlugin } from '../plugin.js'

/**
 * One chain's clock as this server sees it: how far the chain's block times run ahead of this
 * server's clock (negative: behind), sampled from the block time of the chain's latest block
 * (`ChainPlugin.chainTime`) and cached. Freshness is judged in the chain's frame with it
 * (docs/protocol.md section 4, check 6), so a cluster whose clock drifts (solana #18992, #25668)
 * does not make fresh payments look old.
 */
export interface ChainClock {
  /**
   * Seconds the chain's latest block time ran ahead of this server's clock at the last sample
   * (negative: behind); undefined before the first sample, or when the plugin cannot tell.
   */
  readonly offsetSeconds: number | undefined
  /** Unix milliseconds of the last sample, undefined before the first. */
  readonly sampledAt: number | undefined
  /**
   * The offset to judge with now (0 before the first sample); starts a sample in the background
   * when the last is older than `refreshMs`, so the paid path never waits for one.
   */
  current(): number
  /** Whether the last sample is older than `refreshMs` (or there is none): ask the chain's time. */
  wantsSample(): boolean
  /**
   * Records `chainTime` (Unix seconds of the latest block) read between `startedAt` and
   * `endedAt` (Unix ms of this server's clock), by a verification that brought it along.
   */
  observe(chainTime: number, startedAt: number, endedAt: number): void
  /**
   * Samples now (concurrent callers share one RPC read): resolves to the new offset, or to the
   * last known one when the plugin has no `chainTime` or the RPC failed. Never throws.
   */
  sample(): Promise<number | undefined>
  /**
   * `sample()`, unless a read was started less than `minIntervalMs` ago (sampled or failed): then
   * the last known offset, with no RPC call. Bounds the reads a stream of refused payments can
   * cause, even while the chain's time cannot be read.
   */
  resample(minIntervalMs: number): Promise<number | undefined>
}

/** How long a sample is trusted before a background one replaces it. */
export const clockRefreshMs = 30_000

const clocks = new WeakMap<ChainPlugin, ChainClock>()

/**
 * The clock of `plugin`'s chain, one per plugin object, shared by every route and by
 * `health()`.
 *
 * @example const offset = chainClockOf(plugin).current() // seconds the chain runs ahead
 */
export function chainClockOf(plugin: ChainPlugin): ChainClock {
  let clock = clocks.get(plugin)
  if (!clock) {
    clock = chainClock(() => plugin.chainTime?.())
    clocks.set(plugin, clock)
  }
  return clock
}

/**
 * A clock over `readChainTime` (Unix seconds of the chain's latest block, or undefined when the
 * chain cannot tell). The offset is taken against this server's clock at the middle of the
 * read, rounded to whole seconds (block times are whole seconds).
 *
 * @example const clock = chainClock(() => plugin.chainTime?.())
 */
export function chainClock(
  readChainTime: () => Promise<number | undefined> | undefined,
  options: { refreshMs?: number; now?: () => number } = {},
): ChainClock {
  const refreshMs = options.refreshMs ?? clockRefreshMs
  const now = options.now ?? Date.now
  let offsetSeconds: number | undefined
  let sampledAt: number | undefined
  let inFlight: Promise<number | undefined> | undefined
  // When a background sample was last started: an RPC that fails is not asked on every payment.
  let startedAt = Number.NEGATIVE_INFINITY
  // When any read was last started, for resample().
  let readAt = Number.NEGATIVE_INFINITY

  const observe = (chainTime: unknown, started: number, ended: number): void => {
    if (typeof chainTime !== 'number' || !Number.isFinite(chainTime)) return
    offsetSeconds = Math.round(chainTime - (started + ended) / 2000)
    sampledAt = ended
  }

  const read = async (): Promise<number | undefined> => {
    const started = now()
    readAt = started
    try {
      observe(await readChainTime(), started, now())
    } catch {
      // A failed read keeps the last offset: verification reports RPC faults on its own path.
    }
    return offsetSeconds
  }

  const clock: ChainClock = {
    get offsetSeconds() {
      return offsetSeconds
    },
    get sampledAt() {
      return sampledAt
    },
    wantsSample() {
      return sampledAt === undefined || now() - sampledAt > refreshMs
    },
    observe,
    current() {
      const at = now()
      const stale = sampledAt === undefined || at - sampledAt > refreshMs
      if (stale && at - startedAt > refreshMs) {
        startedAt = at
        void clock.sample()
      }
      return offsetSeconds ?? 0
    },
    sample() {
      inFlight ??= read().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
    resample(minIntervalMs) {
      if (!inFlight && now() - readAt < minIntervalMs) return Promise.resolve(offsetSeconds)
      return clock.sample()
    },
  }
  return clock
}
