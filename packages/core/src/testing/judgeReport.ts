import { judgeChainReport } from '../engine/judgeChainReport.js'
import type { JudgeTerms } from '../engine/judgePayment.js'
import { isRefusal } from '../engine/refusal.js'
import type { ChainPlugin, VerifyResult } from '../plugin.js'
import type { ErrorCode } from '../protocol/codes.js'

/**
 * `judgeChainReport`'s verdict as a code, ledger and proof aside: `pending`, the refusal's code
 * (no proof: a transaction from several payers is `ambiguous_payer`), else `confirmed`. For
 * testing a plugin against recorded or local chains. `now` defaults to the present,
 * `clockSkewSeconds` to `defaultClockSkewSeconds` (60).
 *
 * @example assert.equal(await judgeReport(await plugin.verify({ txId, requirement }), { requirement }), 'wrong_asset')
 */
export async function judgeReport(
  result: VerifyResult,
  terms: Omit<JudgeTerms, 'now' | 'clockSkewSeconds'> & Partial<JudgeTerms>,
): Promise<'confirmed' | 'pending' | ErrorCode> {
  const { bindsByReference, ...rest } = terms
  const plugin = bindsByReference
    ? { network: 'test:0', binding: 'reference' }
    : { network: 'test:0' }
  const judged = await judgeChainReport(
    plugin as Pick<ChainPlugin, 'network' | 'binding'>,
    result,
    { ...rest, txId: '' },
  )
  if (!isRefusal(judged)) return 'confirmed'
  // A report not final yet, unlike a plugin's own refusal (never `payment_pending`).
  return judged.refuse === 'payment_pending' && result.status === 'pending'
    ? 'pending'
    : judged.refuse
}
