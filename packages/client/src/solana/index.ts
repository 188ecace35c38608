// `@tx402/client/solana`: the Solana payer alone, so a Solana-only bundle never loads viem.
export type { SolanaPayerOptions, SolanaSigner, SolanaWalletSigner } from './solanaPayer.js'
export { solanaPayer } from './solanaPayer.js'
