import { proofMessage } from '../../../proofMessage.js'
import { isRefusal } from '../../refusal.js'
import type { Attempt, EnginePayment, EngineScheme, Refusal, Route } from '../../types.js'
import { consumedMemory } from './consumedMemory.js'
import { readAttempt } from './readAttempt.js'
import { sharedLookups } from './sharedLookups.js'
import { judgeVerification, verifyOnChain } from './verifyOnChain.js'

/**
 * tx402's pushed transfer (docs/protocol.md sections 3 and 4): the payer sends the transfer
 * itself and presents it by id (`x-payment-tx`, `x-payment-chain`, and `x-payment-challenge`,
 * `x-payment-proof`, `x-payment-credit`); verified from the chain by the offer's plugin. Its
 * `accepts` entries are the route's offers (built in `challengeResponse`, cached per offer).
 *
 * @example const transfer = transferScheme(route)
 */
export function transferScheme(
  route: Pick<Route, 'keys' | 'selectOffer' | 'bindings' | 'terms' | 'observer' | 'skewSeconds'>,
): EngineScheme {
  const consumed = consumedMemory()
  const lookups = sharedLookups()
  // Not a closure per request: a replay would pay for making it.
  const judgeReplay = (facts: Parameters<typeof judgeVerification>[2], attempt: Attempt) =>
    judgeVerification(route, attempt, facts)

  return {
    name: 'transfer',
    read: (request) => readAttempt(route, request),
    async recall(attempt: Attempt): Promise<Refusal | undefined> {
      // A hash alone of a payment this process committed: no chain, no ledger (consumedMemory.ts).
      const replayed = await consumed.replay(attempt, judgeReplay)
      if (!replayed) return undefined
      const { payment } = replayed
      return payment
        ? { ...replayed.refusal, seen: { payer: payment.payer, amount: payment.amount.toString() } }
        : replayed.refusal
    },
    async verify(attempt: Attempt): Promise<EnginePayment | Refusal> {
      // The chain first: who paid whom is what identifies the payment in the ledger.
      const verified = await verifyOnChain(route, { attempt, lookups })
      if (isRefusal(verified)) return verified
      const { offer, txId, requirement, challenge, proof } = attempt
      const { plugin } = offer
      return {
        chain: plugin.name,
        network: plugin.network,
        id: txId,
        payer: verified.payer,
        payTo: requirement.payTo,
        asset: requirement.asset,
        amount: verified.amount,
        challengeId: challenge?.id,
        // By its proof: a hash alone, which anyone watching the chain has, never re-delivers.
        ...(proof && plugin.verifyProof
          ? {
              isPayer: (payer: string) =>
                plugin.verifyProof!({
                  message: proofMessage({
                    network: plugin.network,
                    txId,
                    challengeId: challenge?.id,
                  }),
                  signature: proof,
                  payer,
                }),
            }
          : {}),
        offer,
        requirement,
        topUp: attempt.credit,
        committed: () => consumed.remember(attempt, verified),
        // Usable again: presented again, it is asked of the chain, not of a kept answer.
        released: () => lookups.forget(attempt),
      }
    },
  }
}
