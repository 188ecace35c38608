import { type EvmChainPlugin, type EvmPresetOptions, fromPreset } from '@tx402/chain-evm'
import { basePresets } from './presets.js'

/**
 * Base mainnet (`base`, `eip155:8453`): USDC `0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913`,
 * 2 confirmations, `finality: 'latest'`, maxAgeSeconds 900, timeoutMs 10000. Every field can be
 * overridden; pass `finality: 'safe'` where amounts are large.
 *
 * @example
 * const chain = base({ rpcUrl: process.env.BASE_RPC_URL!, payTo: '0xYourWallet…' })
 * const strict = base({ rpcUrls: [primary, backup], payTo, finality: 'safe' })
 */
export function base(options: EvmPresetOptions): EvmChainPlugin {
  return fromPreset(basePresets['eip155:8453'], options)
}

/**
 * Base Sepolia testnet (`base-sepolia`, `eip155:84532`): USDC
 * `0x036CbD53842c5426634e7929541eC2318f3dCF7e`, 2 confirmations, maxAgeSeconds 900.
 *
 * @example const chain = baseSepolia({ rpcUrl: 'https://sepolia.base.org', payTo })
 */
export function baseSepolia(options: EvmPresetOptions): EvmChainPlugin {
  return fromPreset(basePresets['eip155:84532'], options)
}
