import type { Payer } from '../payer.js'

/** A payer whose user approves each payment only after a while, as a browser wallet's prompt. */
export interface SlowWallet extends Payer {
  /** Payments signed (approved) so far. */
  readonly approved: number
}

/**
 * Wraps `payer` so each `sign` waits `approveAfterMs()` first: the user reading the wallet's
 * prompt while the challenge's life (and grace) runs out. Everything else is the payer's own.
 *
 * @example const wallet = slowWallet(env.payer, () => 6_000)
 */
export function slowWallet(payer: Payer, approveAfterMs: () => number): SlowWallet {
  let approved = 0
  return {
    getNetwork: () => payer.getNetwork(),
    supports: (asset) => payer.supports(asset),
    ...(payer.assets ? { assets: payer.assets } : {}),
    signsProofs: payer.signsProofs,
    async sign(option, limits) {
      await new Promise((resolve) => setTimeout(resolve, approveAfterMs()))
      const signed = await payer.sign(option, limits)
      approved++
      return signed
    },
    broadcast: (payment) => payer.broadcast(payment),
    status: (payment) => payer.status(payment),
    confirm: (payment, option, deadline) => payer.confirm(payment, option, deadline),
    signProof: (message) => payer.signProof(message),
    get approved() {
      return approved
    },
  }
}
