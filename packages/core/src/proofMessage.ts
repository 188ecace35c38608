import type { Network } from './protocol/types.js'

/**
 * The message a payer signs for `x-payment-proof` (docs/protocol.md section 3): UTF-8, `\n` line
 * ends, no trailing newline.
 *
 * @example proofMessage({ network: 'eip155:8453', txId: '0xab…', challengeId: undefined })
 */
export function proofMessage(args: {
  network: Network
  txId: string
  challengeId?: string | undefined
}): string {
  return [
    'tx402 payment proof',
    `network: ${args.network}`,
    `tx: ${args.txId}`,
    `challenge: ${args.challengeId ?? '-'}`,
  ].join('\n')
}
