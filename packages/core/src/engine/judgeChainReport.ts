import type { ChainPlugin, VerifyResult } from '../plugin.js'
import { proofMessage } from '../proofMessage.js'
import { choosePayer } from './choosePayer.js'
import { type JudgeTerms, judgePayer, judgePayment } from './judgePayment.js'
import { isRefusal, type Refusal, refuse } from './refusal.js'

/**
 * Tolerated clock difference between a chain and a challenge's issuer, in seconds, when none is
 * configured: the default of the engine's `clockSkewSeconds` and of `judgeChainReport`.
 */
export const defaultClockSkewSeconds = 60

/** What `judgeChainReport` judges a chain plugin's report against. */
export interface ChainReportTerms
  extends Omit<JudgeTerms, 'now' | 'clockSkewSeconds' | 'bindsByReference'> {
  /** The transaction the report is about, as the plugin normalized it (`normalizeTxId`). */
  txId: string
  /** The `x-payment-proof` the request sent: a signature by the payer over `proofMessage`. */
  proof?: string | undefined
  /** Unix milliseconds. Default `Date.now()`. */
  now?: number | undefined
  /** Seconds; default `defaultClockSkewSeconds` (60). */
  clockSkewSeconds?: number | undefined
}

/** A report that pays: who paid, their own part in base units, and the terms it was judged by. */
export interface AcceptedPayment {
  status: 'accepted'
  payer: string
  /** Base units this payer sent to `payTo`. */
  amount: bigint
  requirement: JudgeTerms['requirement']
}

/**
 * The one judgment of a chain plugin's report (docs/protocol.md section 4, checks 2 and 4 to 6),
 * which the engine and `tx402 verify` both make: the plugin's own `invalid` as it is; then
 * `judgePayment` (reference binding, asset, payee, price, age, challenge time, the terms in force
 * after a challenge's expiry); then which payer the request presents (`choosePayer`, with the
 * proof checked by `plugin.verifyProof`) and that payer's own part (`judgePayer`). A report not
 * final yet is the refusal `payment_pending` with the seconds to wait. The binding rule comes
 * from `plugin.binding`.
 *
 * @throws TypeError for a `confirmed` report without a block time (a plugin bug), and what
 *   `plugin.verifyProof` throws (an RPC fault): nothing is judged then.
 * @example
 * const report = await plugin.verify({ txId, requirement, challenge })
 * const judged = await judgeChainReport(plugin, report, { txId, requirement, challenge })
 * if (isRefusal(judged)) console.log(judged.refuse, judged.message)
 * else console.log(`${judged.payer} paid ${judged.amount}`)
 */
export async function judgeChainReport(
  plugin: Pick<ChainPlugin, 'network' | 'binding' | 'verifyProof'>,
  report: VerifyResult,
  terms: ChainReportTerms,
): Promise<AcceptedPayment | Refusal> {
  const { txId, proof, challenge } = terms
  const judged = judgePayment(report, {
    ...terms,
    now: terms.now ?? Date.now(),
    clockSkewSeconds: terms.clockSkewSeconds ?? defaultClockSkewSeconds,
    bindsByReference: plugin.binding === 'reference',
  })
  if (isRefusal(judged)) return judged
  if (judged.status === 'pending') {
    const seconds = Math.max(1, Math.ceil(judged.retryAfterMs / 1000))
    return refuse(
      'payment_pending',
      judged.message ??
        `The transaction is not final yet. Retry the same headers after ${seconds} seconds; do not pay again.`,
      seconds,
    )
  }
  const signed = proof
    ? {
        message: proofMessage({ network: plugin.network, txId, challengeId: challenge?.id }),
        signature: proof,
      }
    : undefined
  const choice = judgePayer(
    await choosePayer(plugin, judged.candidates, signed),
    judged.requirement,
  )
  if (isRefusal(choice)) return choice
  const { payer, amount } = choice.transfer
  return { status: 'accepted', payer, amount, requirement: judged.requirement }
}
