import type { VerifyResult } from '../../../plugin.js'
import type { ChainClock } from '../../chainClock.js'
import { chainClockOf } from '../../chainClock.js'
import { type AcceptedPayment, judgeChainReport } from '../../judgeChainReport.js'
import { isRefusal, type Refusal } from '../../refusal.js'
import type { Attempt } from '../../types.js'

/** A refusal older than this sample is judged again after a fresh one. */
const resampleAfterMs = 5_000

// Refusals that the chain's clock can decide: age, challenge time, and the terms of a
// transaction judged after its challenge's expiry.
const timeDecided = new Set(['tx_too_old', 'wrong_asset', 'wrong_recipient', 'insufficient_amount'])

/**
 * `judgeChainReport` of the plugin's report for `attempt`, in the chain's time: with the chain's
 * clock offset as last sampled (no RPC call on the paid path), and, when that says no for a
 * reason the clock decides (`tx_too_old`; the terms of a transaction that landed after its
 * challenge expired) and the sample is more than 5 s old, once more after a fresh sample (one
 * RPC read, at most one per 5 s per chain). The attempt's challenge terms judge a transaction
 * that landed by the challenge's expiry; the route's current ones any later.
 *
 * @example const judged = await judgeInChainTime({ skewSeconds: 60 }, attempt, result)
 */
export async function judgeInChainTime(
  dependencies: { skewSeconds: number; clockOf?: (attempt: Attempt) => ChainClock },
  attempt: Attempt,
  result: VerifyResult,
): Promise<AcceptedPayment | Refusal> {
  const { offer, requirement, challenge, txId, proof } = attempt
  const clock = dependencies.clockOf?.(attempt) ?? chainClockOf(offer.plugin)
  const judge = (chainOffsetSeconds: number) =>
    judgeChainReport(offer.plugin, result, {
      txId,
      proof,
      requirement,
      currentRequirement: offer.requirement,
      challenge,
      clockSkewSeconds: dependencies.skewSeconds,
      chainOffsetSeconds,
    })
  const judged = await judge(clock.current())
  const stale = clock.sampledAt === undefined || Date.now() - clock.sampledAt > resampleAfterMs
  if (!(isRefusal(judged) && timeDecided.has(judged.refuse) && stale)) return judged
  if (result.status !== 'confirmed') return judged
  // At most one read per 5 s per chain, also while the chain's time cannot be read.
  return judge((await clock.resample(resampleAfterMs)) ?? 0)
}
