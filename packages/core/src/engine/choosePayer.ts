import type { ChainPlugin, PayerTransfer } from '../plugin.js'

/** The payment a request is for, or why none is. */
export type PayerChoice =
  | { status: 'chosen'; transfer: PayerTransfer }
  | { status: 'proof_invalid' }
  | { status: 'ambiguous_payer'; payers: readonly string[] }

/**
 * Picks whose payment a request presents. One payer: theirs, and a proof, when sent, must be
 * theirs. Several payers to `payTo` in one transaction: the one the proof is by (each payer's
 * transfer is its own payment); without a proof, none. Proof checks that fail at the RPC throw
 * (503), never pick. `judgePayer` judges the answer.
 *
 * @example const choice = await choosePayer(plugin, judged.candidates, { message, signature })
 */
export async function choosePayer(
  plugin: Pick<ChainPlugin, 'verifyProof'>,
  candidates: readonly PayerTransfer[],
  proof: { message: string; signature: string } | undefined,
): Promise<PayerChoice> {
  if (!proof) {
    if (candidates.length === 1) return { status: 'chosen', transfer: candidates[0]! }
    return { status: 'ambiguous_payer', payers: candidates.map((c) => c.payer) }
  }
  for (const candidate of candidates) {
    if (await plugin.verifyProof?.({ ...proof, payer: candidate.payer })) {
      return { status: 'chosen', transfer: candidate }
    }
  }
  return { status: 'proof_invalid' }
}
