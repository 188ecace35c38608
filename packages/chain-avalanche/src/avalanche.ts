import { type EvmChainPlugin, type EvmPresetOptions, fromPreset } from '@tx402/chain-evm'
import { avalanchePresets } from './presets.js'

/**
 * Avalanche C-Chain mainnet (`avalanche`, `eip155:43114`): USDC
 * `0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E`, 1 confirmation (accepted blocks are final),
 * maxAgeSeconds 900, timeoutMs 10000. Every field can be overridden.
 *
 * @example const chain = avalanche({ rpcUrl: 'https://api.avax.network/ext/bc/C/rpc', payTo })
 */
export function avalanche(options: EvmPresetOptions): EvmChainPlugin {
  return fromPreset(avalanchePresets['eip155:43114'], options)
}

/**
 * Avalanche Fuji testnet (`avalanche-fuji`, `eip155:43113`): USDC
 * `0x5425890298aed601595a70AB815c96711a31Bc65`, 1 confirmation, maxAgeSeconds 900.
 *
 * @example const chain = avalancheFuji({ rpcUrl: 'https://api.avax-test.network/ext/bc/C/rpc', payTo })
 */
export function avalancheFuji(options: EvmPresetOptions): EvmChainPlugin {
  return fromPreset(avalanchePresets['eip155:43113'], options)
}
