import type { RejectionCode } from './protocol/codes.js'
import type { AcceptOption, Network, WireAsset } from './protocol/types.js'

/** What one route asks of one chain: verified against the chain's own record. */
export interface PaymentRequirement {
  asset: WireAsset
  /** Base units. */
  amount: bigint
  /** The receiving wallet (EVM address; Solana owner public key). */
  payTo: string
  /** Oldest acceptable block time, in seconds before now; 0 turns the age check off. */
  maxAgeSeconds: number
}

/** The challenge a payer answered, as far as a plugin needs it. */
export interface ChallengeContext {
  id: string
  /** Unix seconds. */
  issuedAt: number
  /**
   * Unix seconds, this server's clock. A transaction that landed by then (in the chain's time) is
   * judged by the challenge's terms however late it is presented; one that landed later, by the
   * route's current terms. Absent: the challenge's terms always.
   */
  expiresAt?: number | undefined
  /** 32 bytes (Solana Pay reference); the transaction must carry it where the chain supports it. */
  reference: Uint8Array
}

/** Everything `ChainPlugin.verify` is given. The tx id is already canonical. */
export interface VerifyContext {
  txId: string
  requirement: PaymentRequirement
  /** The answered challenge: a chain with references reports whether the transaction carries it. */
  challenge?: ChallengeContext | undefined
  /**
   * The engine's clock of this chain wants a sample: a plugin that can read the chain's latest
   * block time in the same round trip (EVM: the `latest` block instead of its number) reports it
   * as `chainTime` on a confirmed report; one that cannot ignores this (the engine then asks
   * `chainTime()` off the paid path).
   */
  chainTime?: boolean | undefined
}

/**
 * What the chain's own record says about a transaction to `payTo`: facts, never a verdict on
 * them. The engine alone judges them (`judgePayment`: binding, price, age, challenge time), so a
 * plugin holds no clock and no policy (docs/protocol.md section 4).
 *
 * @example
 * // 0.01 USDC from 0xaa…, and a transfer that sent the token elsewhere:
 * { payer: '0xaa…', amount: 10000n, blockTime: 1700000000, confirmations: 3 }
 * { payer: '0xaa…', amount: 0n, received: 0n, mismatch: 'recipient', blockTime: 1700000000 }
 */
export interface PaymentFacts {
  /**
   * The sender of the counted transfer (EVM) or the owner whose balance went down (Solana); when
   * nothing arrived, the transaction's sender where known.
   */
  payer: string
  /** Base units `payer` sent to `payTo` of the requirement's asset; 0 when nothing arrived. */
  amount: bigint
  /** Unix seconds of the block the transaction is in. */
  blockTime: number
  /**
   * Every payer's own total to `payTo`, when the transaction carries transfers from more than
   * one (a batch, an ERC-4337 bundle): each is a payment of its own, chosen by the proof.
   */
  transfers?: readonly PayerTransfer[]
  /**
   * Base units of the asset `payTo` received in all. Default: the sum of `transfers`, else
   * `amount`. On Solana it can exceed that sum (several senders are each credited only what they
   * surely paid).
   */
  received?: bigint
  /**
   * When nothing of the asset arrived: `asset` when the transaction paid `payTo` in another asset
   * or moved none of it, `recipient` when it moved the asset to another address. Default
   * `recipient`.
   */
  mismatch?: 'asset' | 'recipient'
  /**
   * Whether the transaction carries the challenge's reference key; reported by chains that bind
   * by reference when a challenge is given, absent otherwise.
   */
  referenceSeen?: boolean
  /** Blocks the transaction has, counting its own, where the chain counts them (EVM). */
  confirmations?: number
  /**
   * Unix seconds of the chain's latest block, read in the same round trip when the engine asked
   * (`VerifyContext.chainTime`): a clock sample at no extra cost.
   */
  chainTime?: number
}

/**
 * The plugin's report. `confirmed`: the transaction is final at the plugin's confirmations or
 * commitment, with its facts. `pending`: not final yet (or its block time is not known yet).
 * `invalid`: what only the chain can tell, that the transaction does not exist (`tx_not_found`),
 * failed (`tx_failed`) or cannot be read (`unsupported_transaction`). Faults (RPC down, timeouts,
 * wrong network) are thrown as `VerifierUnavailableError`.
 *
 * @example
 * const judged = judgePayment(await plugin.verify({ txId, requirement, challenge }), terms)
 */
export type VerifyResult =
  | ({ status: 'confirmed' } & PaymentFacts)
  | {
      status: 'pending'
      retryAfterMs: number
      message?: string
      /**
       * What the transaction already moved, when the plugin read it (EVM: the receipt before its
       * confirmations): judged at once, so a payment that can never pay is refused without waiting.
       */
      seen?: Omit<PaymentFacts, 'blockTime'>
    }
  | { status: 'invalid'; reason: RejectionCode; message: string }

/** What one payer sent to `payTo` in one transaction. */
export interface PayerTransfer {
  payer: string
  /** Base units. */
  amount: bigint
}

/**
 * How a chain ties a payment to the one who paid, so that nobody who merely saw the transaction
 * on chain can spend it: `reference` (the challenge's reference key is in the transaction, so the
 * challenge, which only the payer received, must be sent), `proof` (the payer signs the proof
 * message), or `none` (nothing: only for plugins without a chain record, such as tests').
 */
export type PaymentBinding = 'reference' | 'proof' | 'none'

/**
 * A chain: knows its network, normalizes transaction ids, and verifies payments from the chain's
 * own record. Made by a factory such as `base({ rpcUrl, payTo })`; a new chain is a new plugin.
 *
 * @example
 * const plugin: ChainPlugin = solana({ rpcUrl, payTo })
 * const result = await plugin.verify({ txId, requirement })
 */
export interface ChainPlugin {
  /** Short chain name used in `x-payment-chain`, e.g. `base`. */
  readonly name: string
  /** CAIP-2 id, e.g. `eip155:8453`. */
  readonly network: Network
  /** The wallet payments go to on this chain. */
  readonly payTo: string
  /** Assets this plugin can verify, looked up by `symbol` when a route names a price. */
  readonly assets: readonly WireAsset[]
  /** Default oldest acceptable block time, in seconds; 0 turns the check off. */
  readonly maxAgeSeconds: number
  /**
   * How a payment on this chain is bound to its payer under the route's default
   * `binding: 'payer'`. Default: `proof` when the plugin has `verifyProof`.
   */
  readonly binding?: PaymentBinding
  /**
   * Chain-specific fields of an `accepts` entry: `minConfirmations`, or `commitment` and
   * `reference`, and `transferFee` for an asset that charges one.
   */
  acceptsFields(
    challenge: ChallengeContext,
    requirement?: PaymentRequirement,
  ): Partial<AcceptOption>
  /**
   * Reads what the chain says about an asset, once at setup: a `notice` (a transfer fee, say) is
   * logged as a warning. Never throws for an RPC fault (resolves without a notice).
   */
  inspectAsset?(asset: WireAsset): Promise<{ notice?: string } | undefined>
  /** Canonical form of a transaction id; throws `InvalidTxIdError` for anything malformed. */
  normalizeTxId(raw: string): string
  /**
   * Reads the payment's facts from the chain (the engine judges them). Throws
   * `VerifierUnavailableError` on RPC faults.
   */
  verify(context: VerifyContext): Promise<VerifyResult>
  /** Checks an `x-payment-proof` signature by `payer` over `message`. */
  verifyProof?(args: { message: string; signature: string; payer: string }): Promise<boolean>
  /**
   * Checks that the RPC serves `network`; throws `VerifierUnavailableError` otherwise, and
   * `ConfigurationError` for what the plugin finds unpayable. `requirements`: what the route asks
   * on this chain (price and asset), when the caller knows it (`startupChecks` of a route), so a
   * price no payer could pay fails here (Solana: below the rent-exempt minimum).
   */
  ready?(requirements?: readonly PaymentRequirement[]): Promise<void>
  /**
   * Unix seconds of the chain's latest block (EVM: the `latest` block's timestamp; Solana: the
   * block time of the latest slot at the plugin's commitment), or undefined when the RPC does not
   * say. The engine samples it every 30 s off the paid path, unless `verify` brought it along
   * (`VerifyContext.chainTime`), to judge freshness in the chain's own time (`clockSkewSeconds`
   * covers the rest). Throws `VerifierUnavailableError` on RPC faults.
   *
   * @example const seconds = await plugin.chainTime?.() // 1765139000: the chain's now
   */
  chainTime?(): Promise<number | undefined>
  /**
   * Asks the RPC now (unlike `ready()`, which remembers success) that it answers and serves
   * `network`; throws `VerifierUnavailableError` otherwise. Used by `health()`.
   */
  probe?(): Promise<void>
  /** Releases connections. */
  close?(): Promise<void> | void
}
