import type { ErrorCode } from './codes.js'

/** A CAIP-2 network id such as `eip155:8453` or `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`. */
export type Network = `${string}:${string}`

/** An asset as written in `accepts[].asset`. */
export type WireAsset =
  | { standard: 'erc20'; address: string; symbol: string; decimals: number }
  | { standard: 'spl'; mint: string; symbol: string; decimals: number }
  | { standard: 'native'; symbol: string; decimals: number }

/** One way to pay, as written in `accepts` of a 402 body. */
export interface AcceptOption {
  chain: string
  network: Network
  asset: WireAsset
  /** Base units, decimal string. */
  amount: string
  payTo: string
  /** EVM: blocks the transaction must have (including its own). */
  minConfirmations?: number
  /** Solana: the commitment the transaction must reach. */
  commitment?: 'confirmed' | 'finalized'
  /** Solana: the key to add read-only to the transfer instruction. */
  reference?: string
  maxAgeSeconds: number
  /** Present when the server demands `x-payment-proof`. */
  proofRequired?: true
  /**
   * Present when the asset charges a fee on transfer (a Token-2022 mint with the transfer-fee
   * extension): `amount` must arrive, so the payer sends more. `maximumFee` is in base units.
   * Advisory: payers read the fee from the chain.
   */
  transferFee?: { basisPoints: number; maximumFee: string }
}

/** The body of a 402, and of every error response (docs/protocol.md sections 2 and 5). */
export interface ErrorBody {
  error: ErrorCode
  message: string
  resource?: { method: string; path: string }
  cost?: { amount: string; currency: string }
  challenge?: { id: string; expiresAt: string }
  accepts?: AcceptOption[]
}

/** A 402 body: `challenge` and `accepts` always present. */
export interface PaymentRequiredBody extends ErrorBody {
  resource: { method: string; path: string }
  cost: { amount: string; currency: string }
  challenge: { id: string; expiresAt: string }
  accepts: AcceptOption[]
}

/** The `PAYMENT-RESPONSE` header's content on a served response. */
export interface PaymentResponse {
  success: true
  network: Network
  chain: string
  transaction: string
  payer: string
  asset: WireAsset
  /** Base units, decimal string. */
  amount: string
  creditRemaining?: string
  /** Present when this response re-delivers one already paid for: nothing was charged. */
  redelivered?: true
}
