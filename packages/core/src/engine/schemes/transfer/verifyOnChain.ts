import type { VerifyResult } from '../../../plugin.js'
import { chainClockOf } from '../../chainClock.js'
import type { EngineObserver } from '../../observer.js'
import { isRefusal, type Refusal } from '../../refusal.js'
import type { Attempt, Verified } from '../../types.js'
import { judgeInChainTime } from './judgeInChainTime.js'
import type { sharedLookups } from './sharedLookups.js'

/**
 * Step 3, verify (docs/protocol.md section 4): asks the attempt's chain plugin about the
 * transaction (the only plugin call), and has its facts judged by `judgePayment` (binding,
 * price, age, challenge time) and the presented payer by `judgePayer` (`ambiguous_payer`,
 * `proof_invalid`, that payer's own part): still pending is 409 `payment_pending`; the plugin's
 * `tx_not_found` is for the caller to cache. Throws the plugin's fault (RPC down): the caller answers 503, nothing consumed.
 *
 * @example
 * const verified = await verifyOnChain(route, { attempt, lookups })
 * if (isRefusal(verified)) return respond(verified)
 */
export async function verifyOnChain(
  route: {
    observer: Pick<EngineObserver, 'verification' | 'inFlight'>
    /** Tolerated clock difference between the chain and this server, in seconds. */
    skewSeconds: number
  },
  {
    attempt,
    lookups,
  }: {
    attempt: Attempt
    /** Shares one plugin call among identical concurrent attempts (`sharedLookups`). */
    lookups?: ReturnType<typeof sharedLookups> | undefined
  },
): Promise<Verified | Refusal> {
  const { offer, txId, requirement, challenge } = attempt
  const { plugin } = offer
  const { observer } = route
  const lookup = async (): Promise<VerifyResult> => {
    const started = performance.now()
    observer.inFlight?.(plugin.name, 1)
    try {
      await plugin.ready?.()
      // A clock sample rides along in the verification's own round trip where the plugin can.
      const clock = chainClockOf(plugin)
      const chainTime = clock.wantsSample()
      const asked = Date.now()
      const result = await plugin.verify({
        txId,
        requirement,
        challenge,
        ...(chainTime ? { chainTime } : {}),
      })
      if (result.status === 'confirmed' && result.chainTime !== undefined) {
        clock.observe(result.chainTime, asked, Date.now())
      }
      observer.verification?.(plugin.name, result.status, performance.now() - started)
      return result
    } catch (error) {
      observer.verification?.(plugin.name, 'fault', performance.now() - started)
      throw error
    } finally {
      observer.inFlight?.(plugin.name, -1)
    }
  }
  const result = await (lookups ? lookups.run(attempt, lookup) : lookup())
  return judgeVerification(route, attempt, result)
}

/**
 * The judgment half of `verifyOnChain`: the plugin's report `result` judged for `attempt` (no
 * plugin call; a proof check may still ask the RPC, which throws).
 *
 * @example const verified = await judgeVerification({ skewSeconds: 60 }, attempt, facts)
 */
export async function judgeVerification(
  route: { skewSeconds: number },
  attempt: Attempt,
  result: VerifyResult,
): Promise<Verified | Refusal> {
  const judged = await judgeInChainTime(route, attempt, result)
  if (isRefusal(judged)) return judged
  return { payer: judged.payer, amount: judged.amount, facts: result }
}
