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
  /** 32 bytes (Solana Pay reference); the transaction must carry it where the chain supports it. */
  reference: Uint8Array
}

/** Everything `ChainPlugin.verify` is given. The tx id is already canonical. */
export interface VerifyContext {
  txId: string
  requirement: PaymentRequirement
  challenge?: ChallengeContext | undefined
  /** Unix milliseconds; tests may pin it. */
  now: number
}

/**
 * The plugin's verdict. Expected failures are values; faults (RPC down, timeouts, wrong network)
 * are thrown as `VerifierUnavailableError`.
 */
export type VerifyResult =
  | {
      status: 'confirmed'
      /** The sender of the counted transfer (EVM) or the owner whose balance went down (Solana). */
      payer: string
      /** Base units `payer` sent to `payTo`, from the chain's record. */
      amount: bigint
      /** Unix seconds. */
      blockTime: number
      /**
       * Every payer's own total to `payTo`, when the transaction carries transfers from more than
       * one (a batch, an ERC-4337 bundle): each is a payment of its own, chosen by the proof.
       */
      transfers?: readonly PayerTransfer[]
    }
  | { status: 'pending'; retryAfterMs: number; message?: string }
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
 * const result = await plugin.verify({ txId, requirement, now: Date.now() })
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
  /** Confirms the payment from the chain. Throws `VerifierUnavailableError` on RPC faults. */
  verify(context: VerifyContext): Promise<VerifyResult>
  /** Checks an `x-payment-proof` signature by `payer` over `message`. */
  verifyProof?(args: { message: string; signature: string; payer: string }): Promise<boolean>
  /** Checks that the RPC serves `network`; throws `VerifierUnavailableError` otherwise. */
  ready?(): Promise<void>
  /**
   * Asks the RPC now (unlike `ready()`, which remembers success) that it answers and serves
   * `network`; throws `VerifierUnavailableError` otherwise. Used by `health()`.
   */
  probe?(): Promise<void>
  /** Releases connections. */
  close?(): Promise<void> | void
}
