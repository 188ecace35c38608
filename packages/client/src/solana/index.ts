// `@tx402/client/solana`: the Solana payer alone, so a Solana-only bundle never loads viem.
export type { SolanaPayerOptions, SolanaSigner, SolanaWalletSigner } from './resolveOptions.js'
export { solanaPayer } from './solanaPayer.js'
