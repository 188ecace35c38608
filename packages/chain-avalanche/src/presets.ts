import type { EvmPreset } from '@tx402/chain-evm'

const usdc = (address: string) =>
  ({ standard: 'erc20', address, symbol: 'USDC', decimals: 6 }) as const
// Snowman consensus makes an accepted block final: one confirmation is enough.
const defaults = {
  confirmations: 1,
  finality: 'latest',
  blockTimeMs: 2000,
  maxAgeSeconds: 900,
} as const

/**
 * Avalanche C-Chain networks as plain data, keyed by CAIP-2 id: name, Circle's native USDC (not
 * the bridged USDC.e), confirmations 1, finality `latest`, blockTimeMs 2000, maxAgeSeconds 900.
 *
 * @example avalanchePresets['eip155:43114'].assets[0].address // '0xB97E…8a6E'
 */
export const avalanchePresets = {
  'eip155:43114': {
    name: 'avalanche',
    network: 'eip155:43114',
    assets: [usdc('0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E')],
    ...defaults,
  },
  'eip155:43113': {
    name: 'avalanche-fuji',
    network: 'eip155:43113',
    assets: [usdc('0x5425890298aed601595a70AB815c96711a31Bc65')],
    ...defaults,
  },
} as const satisfies Record<string, EvmPreset>
