import type { AcceptOption, Network, WireAsset } from '@tx402/core/protocol'
import type { DeclaredAsset } from './assets/knownAssets.js'

/**
 * A signed payment transaction that has not necessarily been broadcast. Plain JSON so a journal
 * can store it: the same bytes are rebroadcast after a crash instead of paying again.
 */
export interface SignedPayment {
  /** The transaction hash (EVM) or base58 signature (Solana), canonical. */
  txId: string
  /** The signed transaction: `0x` hex (EVM) or base64 wire bytes (Solana). */
  serialized: string
  /** The paying address or public key. */
  from: string
  /** EVM: the transaction's nonce. Solana: the last block height its blockhash is valid for. */
  validUntil: number
}

/**
 * What a journaled payment pays (the journal entry's terms): `amount` base units of `asset` to
 * `payTo`. A transaction that replaced the payment's (a wallet's speed-up) is recognised by it.
 */
export interface PaidTransfer {
  asset: WireAsset
  payTo: string
  /** Base units, decimal string. */
  amount: string
}

/**
 * Where a signed transfer stands on chain (`Payer.status`); not `@tx402/ledger`'s `PaymentStatus`,
 * a ledger row's `claimed` or `consumed`.
 */
export type TransferStatus =
  /** The node knows it: in the mempool or in a block. */
  | 'known'
  /** Not known, and it can still land: rebroadcast the same bytes. */
  | 'missing'
  /** Not known, and it never can land (nonce used by another transaction, blockhash expired). */
  | 'expired'

/**
 * Pays on one chain. Made by `evmPayer(...)` or `solanaPayer(...)`; anything implementing this
 * can be passed in `payers`.
 *
 * @example const payers: Payer[] = [evmPayer({ walletClient, publicClient }), solanaPayer({ connection, signer })]
 */
export interface Payer {
  /** The CAIP-2 network this payer pays on, e.g. `eip155:8453`. */
  getNetwork(): Promise<Network>
  /** True when this payer can send `asset` (its standard; the network is checked apart). */
  supports(asset: WireAsset): boolean
  /**
   * Tokens besides the built-in stablecoins (`knownStablecoins`) this payer treats as known on its
   * network, by address: a test or private token. Caps by symbol and the default cap cover them.
   */
  readonly assets?: readonly DeclaredAsset[]
  /** False when the signer cannot sign messages: options with `proofRequired` are not paid. */
  readonly signsProofs: boolean
  /**
   * Builds and signs the transfer of `option.amount` of `option.asset` to `option.payTo` (more
   * where the asset charges a transfer fee, so that `option.amount` arrives). Broadcasts nothing.
   * Throws `PaymentFailedError` when the asset on chain differs from the one described (symbol or
   * decimals), `SpendingCapError` when what would leave the wallet exceeds `limits.maxAmount`
   * (base units), `TransferFeeError` when a fee cannot be priced in.
   */
  sign(option: AcceptOption, limits?: { maxAmount?: bigint }): Promise<SignedPayment>
  /** Sends the signed bytes. Throws `BroadcastRejectedError` when the node refuses them for good. */
  broadcast(payment: SignedPayment): Promise<void>
  /** Where the payment stands on chain. */
  status(payment: SignedPayment): Promise<TransferStatus>
  /**
   * For a payment whose status is `'expired'`: the id of the transaction that took its place with
   * the same `transfer` (an EVM wallet's speed-up: same sender and nonce, recipient, calldata and
   * value, a new hash), or undefined when nothing replaced it with that transfer (then it never
   * paid). Optional: a chain without replacements (Solana) has none. RPC faults are thrown.
   */
  findReplacement?(payment: SignedPayment, transfer: PaidTransfer): Promise<string | undefined>
  /**
   * Resolves once the transaction meets `option.minConfirmations` (EVM) or `option.commitment`
   * (Solana), with the id it landed under (a wallet's speed-up changes an EVM hash); throws
   * `PaymentFailedError` when it failed on chain and `PaymentTimeoutError` at `deadline` (Unix ms).
   */
  confirm(
    payment: SignedPayment,
    option: Pick<AcceptOption, 'minConfirmations' | 'commitment'>,
    deadline: number,
    /** What the payment pays: lets an EVM payer recognise a wallet's speed-up while waiting. */
    transfer?: PaidTransfer,
  ): Promise<{ txId: string }>
  /** Signs the proof message (`x-payment-proof`): EIP-191 hex (EVM), base58 ed25519 (Solana). */
  signProof(message: string): Promise<string>
}
