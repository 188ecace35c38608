// `@tx402/client/evm`: the viem payer alone, so an EVM-only bundle never loads @solana/web3.js.

export { ContractWalletNativeError } from './contractWalletNativeError.js'
export { evmPayer } from './evmPayer.js'
export type { EvmPayerOptions } from './resolveOptions.js'
