import { probeRpcFeatures, type RpcFeatureNeeds, type RpcFeatures } from './probeRpcFeatures.js'
import type { NativeTracer } from './readNativeTrace.js'
import type { VerifiedRpc } from './verifiedRpc.js'

/** The plugin's memory of what its RPC offers (`probeRpcFeatures`). */
export interface RpcFeatureCheck {
  /** Resolves once the RPC was found to serve everything verification asks; remembered. */
  ready(): Promise<void>
  /** Asks again now (for `health()`), and remembers the answer. */
  probe(): Promise<void>
  /**
   * The call tracer verification may use; undefined until one was found. Kept through a check
   * that failed or could not ask for it (a rate limit); dropped when a check finds it missing.
   */
  tracer(): NativeTracer | undefined
  /**
   * True while native coin counts only as the transaction's own value: tracing is off, or no
   * tracer was found (yet). A 402 built before the first check says so, and starts the check.
   */
  topLevelOnly(): boolean
}

// How often a 402 may start a check while none succeeded.
const recheckMs = 30_000

/**
 * Remembers what `probeRpcFeatures` found, through `rpc` (the client verification uses): `ready()`
 * asks once and keeps a success, `probe()` asks every time. Until a tracer is found, native coin
 * moved inside a transaction is not counted and 402s say `nativeTransfer: 'top-level'`: a
 * contract wallet is never asked to pay what could not be counted.
 *
 * @example const features = rpcFeatureCheck(rpc, { name: 'base', finality: 'safe', internalTransfers: 'auto' })
 */
export function rpcFeatureCheck(rpc: VerifiedRpc, needs: RpcFeatureNeeds): RpcFeatureCheck {
  let found: RpcFeatures | undefined
  // The tracer the RPC was last seen to offer: forgotten only when a check finds it missing, never
  // on a failed or rate-limited check, since a 402 built with it promised internal transfers
  // would be counted, and a payment made under that promise must be traced.
  let tracer: NativeTracer | undefined
  let inFlight: Promise<void> | undefined
  let lastStart = Number.NEGATIVE_INFINITY
  const check = (): Promise<void> => {
    lastStart = Date.now()
    inFlight ??= (async () => {
      try {
        found = await probeRpcFeatures(await rpc.client(), needs)
        if (found.tracer || !found.tracerUnknown) tracer = found.tracer
      } catch (error) {
        found = undefined
        throw error
      } finally {
        inFlight = undefined
      }
    })()
    return inFlight
  }
  return {
    async ready() {
      if (!found) await check()
    },
    probe: check,
    tracer: () => tracer,
    topLevelOnly() {
      if (needs.internalTransfers !== 'auto' && needs.internalTransfers !== 'required') return true
      if (!found && !inFlight && Date.now() - lastStart >= recheckMs) {
        check().catch(() => undefined)
      }
      return !tracer
    },
  }
}
