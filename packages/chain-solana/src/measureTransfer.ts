import type { ParsedTransactionWithMeta, TokenBalance } from '@solana/web3.js'
import { VerifierUnavailableError, type WireAsset } from '@tx402/core'

/** What one transaction moved to `payTo`, read from its balances. */
export interface MeasuredTransfer {
  /** Net increase of `payTo`'s balance of the asset, in base units (negative if it went down). */
  received: bigint
  /** The owner whose balance of the asset went down the most; the fee payer when none did. */
  payer: string
  /** `payTo` gained some other asset (another mint, or lamports when a token is wanted). */
  otherAssetReceived: boolean
  /**
   * When several owners' balances went down, what each surely paid `payTo` (`senderShares`);
   * absent with one sender.
   */
  senders?: { payer: string; amount: bigint }[]
}

/**
 * All account keys of a transaction in balance order: static keys, then keys loaded from
 * address lookup tables (jsonParsed lists them with `source: 'lookupTable'`; other encodings
 * give them in `meta.loadedAddresses`).
 *
 * @example accountKeys(tx).includes(reference)
 */
export function accountKeys(tx: ParsedTransactionWithMeta): string[] {
  const keys = tx.transaction.message.accountKeys.map((key) => key.pubkey.toBase58())
  const loaded = tx.meta?.loadedAddresses
  if (loaded && keys.length < (tx.meta?.preBalances.length ?? 0)) {
    keys.push(...loaded.writable.map((key) => key.toBase58()))
    keys.push(...loaded.readonly.map((key) => key.toBase58()))
  }
  return keys
}

/**
 * Measures what `payTo` received of `asset` from pre/post balances. SPL: token balances matched
 * by owner and mint, never by account index (lookup-table keys come after static keys), with a
 * missing pre entry counting as zero (an account created in the same transaction), so a
 * Token-2022 transfer fee withheld on the way is never counted. Native: `payTo`'s lamports.
 *
 * @example measureTransfer(tx, payTo, usdc).received // 1000n
 */
export function measureTransfer(
  tx: ParsedTransactionWithMeta,
  payTo: string,
  asset: WireAsset,
): MeasuredTransfer {
  const meta = tx.meta
  if (!meta)
    throw new VerifierUnavailableError('The Solana RPC returned a transaction without meta.')
  const keys = accountKeys(tx)
  const feePayer = keys[0] ?? ''
  const byMint = tokenChanges(meta.preTokenBalances ?? [], meta.postTokenBalances ?? [])
  const lamports = lamportChanges(keys, meta.preBalances, meta.postBalances)
  const signers = new Set(
    tx.transaction.message.accountKeys.filter((k) => k.signer).map((k) => k.pubkey.toBase58()),
  )

  if (asset.standard === 'native') {
    const otherMints = [...byMint.values()].some((owners) => (owners.get(payTo) ?? 0n) > 0n)
    const received = lamports.get(payTo) ?? 0n
    return {
      received,
      // The fee payer also loses the fee: only a signer's lamports can pay, and the largest drop wins.
      payer: largestDrop(lamports, payTo, signers) ?? feePayer,
      otherAssetReceived: otherMints,
      // The fee is not a payment: without it, a fee payer other than the sender is no sender.
      ...senderShares(withoutFee(lamports, feePayer, meta.fee), payTo, received, signers),
    }
  }
  if (asset.standard !== 'spl') {
    throw new VerifierUnavailableError(`A Solana plugin cannot verify ${asset.standard} assets.`)
  }
  const owners = byMint.get(asset.mint) ?? new Map<string, bigint>()
  const otherMints = [...byMint].some(
    ([mint, changes]) => mint !== asset.mint && (changes.get(payTo) ?? 0n) > 0n,
  )
  const received = owners.get(payTo) ?? 0n
  return {
    received,
    payer: largestDrop(owners, payTo) ?? feePayer,
    otherAssetReceived: otherMints || (lamports.get(payTo) ?? 0n) > 0n,
    ...senderShares(owners, payTo, received),
  }
}

/**
 * Each sender's share of what `payTo` received when several balances went down: balances do not
 * say who paid whom, so a sender is credited only what it surely paid, `received` minus every
 * other sender's whole drop (at least 0, at most its own drop). The shares never add up to more
 * than `received`; when every drop went to `payTo`, each share is exactly that sender's drop.
 */
function senderShares(
  changes: ReadonlyMap<string, bigint>,
  payTo: string,
  received: bigint,
  among?: ReadonlySet<string>,
): { senders?: { payer: string; amount: bigint }[] } {
  const drops = [...changes].filter(
    ([owner, change]) => owner !== payTo && change < 0n && (!among || among.has(owner)),
  )
  if (drops.length < 2) return {}
  const total = drops.reduce((sum, [, change]) => sum - change, 0n)
  const senders = drops.map(([payer, change]) => {
    const own = -change
    // bigint has no Math.min/max: clamp what it surely paid to [0, own drop].
    let share = received - (total - own)
    if (share > own) share = own
    if (share < 0n) share = 0n
    return { payer, amount: share }
  })
  return { senders: senders.sort((a, b) => (a.amount > b.amount ? -1 : 1)) }
}

// mint -> owner -> post minus pre, summed over every token account of that owner.
function tokenChanges(
  pre: readonly TokenBalance[],
  post: readonly TokenBalance[],
): Map<string, Map<string, bigint>> {
  const changes = new Map<string, Map<string, bigint>>()
  const add = (balance: TokenBalance, sign: 1n | -1n): void => {
    // Without an owner the balance cannot be attributed; it never counts as received.
    if (!balance.owner) return
    const owners = changes.get(balance.mint) ?? new Map<string, bigint>()
    changes.set(balance.mint, owners)
    const amount = baseUnits(balance.uiTokenAmount.amount)
    owners.set(balance.owner, (owners.get(balance.owner) ?? 0n) + sign * amount)
  }
  for (const balance of post) add(balance, 1n)
  for (const balance of pre) add(balance, -1n)
  return changes
}

// Lamports arrive as JSON numbers: exact below 2^53 (9 million SOL), which every payer and
// payee account in practice is.
function lamportChanges(
  keys: readonly string[],
  pre: readonly number[],
  post: readonly number[],
): Map<string, bigint> {
  const changes = new Map<string, bigint>()
  keys.forEach((key, index) => {
    const before = pre[index]
    const after = post[index]
    if (before === undefined || after === undefined) return
    changes.set(key, (changes.get(key) ?? 0n) + BigInt(after) - BigInt(before))
  })
  return changes
}

function withoutFee(
  lamports: ReadonlyMap<string, bigint>,
  feePayer: string,
  fee: number,
): Map<string, bigint> {
  const adjusted = new Map(lamports)
  adjusted.set(feePayer, (adjusted.get(feePayer) ?? 0n) + BigInt(fee))
  return adjusted
}

function largestDrop(
  changes: ReadonlyMap<string, bigint>,
  payTo: string,
  among?: ReadonlySet<string>,
): string | undefined {
  let payer: string | undefined
  let drop = 0n
  for (const [owner, change] of changes) {
    if (owner === payTo || (among && !among.has(owner))) continue
    if (change < drop) {
      drop = change
      payer = owner
    }
  }
  return payer
}

function baseUnits(amount: unknown): bigint {
  if (typeof amount !== 'string' || !/^(0|[1-9][0-9]*)$/.test(amount)) {
    throw new VerifierUnavailableError('The Solana RPC returned a malformed token amount.')
  }
  return BigInt(amount)
}
