import type { AcceptOption } from '@tx402/core/protocol'

/**
 * Whether a payment refused `challenge_invalid` may be presented again without its challenge
 * (docs/protocol.md section 3: the challenge is sent "when the payer has it", except where the
 * entry binds by reference). A Solana entry carries a `reference`: its transaction is bound to
 * the challenge and is never presented without it. An EVM payment goes bare with the payer's
 * proof over challenge `-`, which binds it as well; the server judges it by its current terms.
 *
 * @example if (code === 'challenge_invalid' && canPresentBare(option)) presentAgainWithout()
 */
export function canPresentBare(option: AcceptOption | undefined): boolean {
  return option !== undefined && option.reference === undefined
}
