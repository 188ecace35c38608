import { defineError } from '../defineError.js'

/**
 * The option is native coin that the server counts only as a transaction's own value
 * (`nativeTransfer: 'top-level'`, docs/protocol.md section 2), and the paying account is a
 * contract wallet (a Safe, an ERC-4337 account), whose transfer is a call inside a transaction
 * the server would not count. Thrown before anything is signed: nothing was paid. Pay an ERC-20
 * option, or from an account that signs its own transactions.
 *
 * @example if (e instanceof ContractWalletNativeError) console.log(e.account, e.chain)
 */
export class ContractWalletNativeError extends defineError(
  'ContractWalletNativeError',
  (fields: {
    /** The paying account, a contract. */
    account: string
    /** The option's chain name. */
    chain: string
    /** The native coin's symbol. */
    symbol: string
  }) => ({
    message: `Refused to pay ${fields.symbol} on ${fields.chain} from contract wallet ${fields.account}: the server counts only ${fields.symbol} sent by a top-level transfer.`,
    details:
      'Pay with a token the route accepts, or from an account that signs its own transactions. Nothing was paid.',
    fields,
  }),
) {}
