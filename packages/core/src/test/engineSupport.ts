import { createPaymentEngine } from '../engine/createPaymentEngine.js'
import type { Outcome } from '../engine/outcome.js'
import { resolveOptions } from '../engine/resolveOptions.js'
import type { Attempt, PaymentEngineOptions } from '../engine/types.js'
import { memoryLedger } from '../memoryLedger.js'
import type { ChainPlugin, ChallengeContext, VerifyResult } from '../plugin.js'
import { scriptedChain } from '../testing/scriptedChain.js'

// Test support for the engine's own tests: a chain whose verdicts the test scripts.

/** A plugin answering `verdict()` for every transaction, recording which it was asked about. */
export const countingChain = (verdict: () => Promise<VerifyResult>) =>
  scriptedChain({ otherwise: verdict })

/** A request paying with `tx` on the test chain. */
export const request = (tx: string, client = '127.0.0.1') => ({
  method: 'GET',
  path: '/paid',
  headers: { 'x-payment-tx': [tx], 'x-payment-chain': ['testnet'] },
  client,
})
export const status = (outcome: Outcome) =>
  outcome.type === 'paid'
    ? 200
    : outcome.type === 'replay'
      ? outcome.response.status
      : outcome.status
export const hash = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
export const silent = { info() {}, warn() {}, error() {} }
export { confirmedPayment as confirmed } from '../testing/scriptedChain.js'

/** An attempt to pay with `hash(n)` on `plugin` (default: a scripted chain) at the route's price. */
export function attemptOn(
  n: number,
  plugin: ChainPlugin = scriptedChain().plugin,
  challenge?: ChallengeContext,
): Attempt {
  const secret = 'step-test-secret-at-least-32-bytes!!!!!'
  const { offers } = resolveOptions({
    price: '0.01',
    chains: [plugin],
    ledger: memoryLedger(),
    secret,
    logger: silent,
  })
  const offer = offers[0]!
  return {
    chain: plugin.name,
    network: plugin.network,
    id: hash(n),
    challenged: challenge !== undefined,
    offer,
    txId: hash(n),
    challenge,
    proof: undefined,
    requirement: offer.requirement,
  }
}

/** An engine at 0.01 on `plugin`, with a fresh memory ledger, silent, and `extra` options. */
export const engineOn = (plugin: ChainPlugin, extra: Partial<PaymentEngineOptions> = {}) =>
  createPaymentEngine({
    price: '0.01',
    chains: [plugin],
    ledger: memoryLedger(),
    secret: 'engine-test-secret-at-least-32-bytes!!!',
    logger: silent,
    ...extra,
  })
