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
   * EVM native coin only: `top-level` when the server counts only the transaction's own value
   * (`to` = `payTo`), because its RPC cannot trace value moved by calls inside a transaction. A
   * contract wallet's transfer (a Safe or ERC-4337 `execute`) would not count: pay this entry only
   * from an account that signs its own transactions (docs/protocol.md section 2).
   */
  nativeTransfer?: 'top-level'
  /**
   * Present when the asset charges a fee on transfer (a Token-2022 mint with the transfer-fee
   * extension): `amount` must arrive, so the payer sends more. `maximumFee` is in base units.
   * Advisory: payers read the fee from the chain.
   */
  transferFee?: { basisPoints: number; maximumFee: string }
  /** Present when the route sells prepaid credit (docs/protocol.md section 7.1). */
  credit?: CreditOffer
}

/**
 * The credit packs an `accepts` option sells (docs/protocol.md section 7.1). One request costs
 * the option's `amount` from the balance.
 *
 * @example { packs: ['1000000', '5000000'], expiresInSeconds: 2592000 }
 */
export interface CreditOffer {
  /** Amounts one payment can buy, base units of the option's asset, ascending. */
  packs: string[]
  /** How long a balance lasts after it is opened; absent: it does not expire. */
  expiresInSeconds?: number
  /** Which routes share the balance (absent: the server's default scope). */
  scope?: string
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

/**
 * The `PAYMENT-CREDIT` header's content (docs/protocol.md section 7.4): the balance a response
 * bought, topped up or spent.
 *
 * @example { token: '…', network: 'eip155:8453', asset: '0x8335…', remaining: '970000', charged: '10000' }
 */
export interface PaymentCredit {
  /** Opaque, server-signed: send it back in `x-payment-credit`, to the issuing origin only. */
  token: string
  network: Network
  /** Contract address, mint or `native`. */
  asset: string
  /** Base units left, decimal string. */
  remaining: string
  /** Base units this request took from the balance (`0` when it paid on chain). */
  charged: string
  /** ISO 8601; absent when the balance does not expire. */
  expiresAt?: string
  /** Which routes share the balance, when the server names it. */
  scope?: string
}
