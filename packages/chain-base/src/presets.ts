import type { EvmPreset } from '@tx402/chain-evm'

const usdc = (address: string) =>
  ({ standard: 'erc20', address, symbol: 'USDC', decimals: 6 }) as const
// A block every 2 s; 2 confirmations ride out the rare sequencer reorg of the newest block.
const defaults = {
  confirmations: 2,
  finality: 'latest',
  blockTimeMs: 2000,
  maxAgeSeconds: 900,
} as const

/**
 * Base networks as plain data, keyed by CAIP-2 id: name, Circle's USDC, confirmations 2,
 * finality `latest`, blockTimeMs 2000, maxAgeSeconds 900. For large amounts use
 * `finality: 'safe'` (the block is derived from data posted to Ethereum) or `'finalized'`.
 *
 * @example basePresets['eip155:8453'].assets[0].address // '0x8335…2913'
 */
export const basePresets = {
  'eip155:8453': {
    name: 'base',
    network: 'eip155:8453',
    assets: [usdc('0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913')],
    ...defaults,
  },
  'eip155:84532': {
    name: 'base-sepolia',
    network: 'eip155:84532',
    assets: [usdc('0x036CbD53842c5426634e7929541eC2318f3dCF7e')],
    ...defaults,
  },
} as const satisfies Record<string, EvmPreset>
