import { type AcceptOption, parseBaseUnits } from '@tx402/core/protocol'
import { assetAddress, sameAddress } from '../assets/knownAssets.js'
import type { PaymentJournal } from '../journal/types.js'
import { creditsOf } from './creditJournal.js'
import type { CreditRecord } from './creditRecord.js'

/** A credit token the client holds that this 402's route takes, and the option it pays for. */
export interface HeldCredit {
  record: CreditRecord
  option: AcceptOption
  /** Whether the last known balance covers the option's price (else: top up, or pay). */
  enough: boolean
}

/**
 * The token to spend on a route: among the 402's options that sell credit, in the caller's chain
 * order, the first whose origin, scope, network and asset match a token held and not expired.
 * A token is only ever matched to the origin that issued it.
 *
 * @example const held = await heldCredit(journal, 'https://api.example.com', body.accepts, ['base'])
 */
export async function heldCredit(
  journal: PaymentJournal,
  origin: string,
  accepts: readonly AcceptOption[],
  preferredChains: readonly string[] | undefined,
): Promise<HeldCredit | undefined> {
  const records = (await creditsOf(journal).list()).filter((r) => r.origin === origin)
  if (records.length === 0) return undefined
  const now = Date.now()
  for (const option of inPreferredOrder(accepts, preferredChains)) {
    if (!option.credit) continue
    const record = records.find(
      (r) =>
        r.scope === (option.credit?.scope ?? '') &&
        takes(option, r) &&
        !(r.expiresAt && Date.parse(r.expiresAt) <= now),
    )
    if (!record) continue
    const enough = BigInt(record.remaining) >= parseBaseUnits(option.amount)
    return { record, option, enough }
  }
  return undefined
}

/**
 * Whether a balance is in the option's network and asset.
 *
 * @example takes(option, record) // true for USDC on eip155:8453 and a USDC balance there
 */
export function takes(
  option: AcceptOption,
  record: Pick<CreditRecord, 'network' | 'asset'>,
): boolean {
  if (option.network.toLowerCase() !== record.network.toLowerCase()) return false
  return sameAddress(assetAddress(option.asset) ?? 'native', record.asset)
}

/**
 * The options in the caller's chain order (`preferredChains`), the rest in the server's order.
 *
 * @example inPreferredOrder(accepts, ['solana'])
 */
export function inPreferredOrder(
  accepts: readonly AcceptOption[],
  preferredChains: readonly string[] | undefined,
): AcceptOption[] {
  const preferred = (preferredChains ?? []).map((chain) => chain.toLowerCase())
  const rank = (option: AcceptOption) => {
    const index = preferred.findIndex(
      (c) => c === option.chain.toLowerCase() || c === option.network.toLowerCase(),
    )
    return index === -1 ? preferred.length : index
  }
  return [...accepts].sort((a, b) => rank(a) - rank(b))
}
