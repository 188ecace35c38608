import { defaultClockSkewSeconds } from '../clockSkew.js'
import { choosePayer } from '../engine/choosePayer.js'
import { type JudgeTerms, judgePayer, judgePayment } from '../engine/judgePayment.js'
import { isRefusal } from '../engine/refusal.js'
import type { VerifyResult } from '../plugin.js'
import type { ErrorCode } from '../protocol/codes.js'

/**
 * What the engine makes of a chain plugin's report, ledger and proof aside: `pending`,
 * `judgePayment`'s and then `judgePayer`'s refusal (no proof: a transaction from several payers
 * is `ambiguous_payer`), else `confirmed`. For testing a plugin
 * against recorded or local chains. `now` defaults to the present, `clockSkewSeconds` to the engine's
 * (`defaultClockSkewSeconds`).
 *
 * @example assert.equal(await judgeReport(await plugin.verify({ txId, requirement }), { requirement }), 'wrong_asset')
 */
export async function judgeReport(
  result: VerifyResult,
  terms: Omit<JudgeTerms, 'now' | 'clockSkewSeconds'> & Partial<JudgeTerms>,
): Promise<'confirmed' | 'pending' | ErrorCode> {
  const full = { now: Date.now(), clockSkewSeconds: defaultClockSkewSeconds, ...terms }
  const judged = judgePayment(result, full)
  if (isRefusal(judged)) return judged.refuse
  if (judged.status === 'pending') return 'pending'
  const choice = judgePayer(await choosePayer({}, judged.candidates, undefined), judged.requirement)
  return isRefusal(choice) ? choice.refuse : 'confirmed'
}
