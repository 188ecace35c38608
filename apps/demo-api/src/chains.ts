import { avalanche, avalancheFuji } from '@tx402/chain-avalanche'
import { base, baseSepolia } from '@tx402/chain-base'
import { solana } from '@tx402/chain-solana'
import type { ChainPlugin } from '@tx402/core'
import type { DemoConfig, EvmChainConfig } from './config.js'

/**
 * The chain plugins the configuration enables, in the order offered: Base, Avalanche, Solana.
 *
 * @example const chains = createChains(loadConfig(process.env))
 */
export function createChains(config: DemoConfig): ChainPlugin[] {
  const evm = (chain: EvmChainConfig) => ({
    rpcUrl: chain.rpcUrl,
    payTo: chain.payTo,
    network: `eip155:${chain.chainId}` as const,
    assets: [
      {
        standard: 'erc20' as const,
        address: chain.token,
        symbol: 'USDC',
        decimals: chain.tokenDecimals,
      },
    ],
    confirmations: chain.confirmations,
  })
  const chains: ChainPlugin[] = []
  // A testnet's chain id takes its preset, whose chain name (`base-sepolia`) says it is one.
  if (config.base) {
    const preset = config.base.chainId === 84532 ? baseSepolia : base
    chains.push(preset(evm(config.base)))
  }
  if (config.avalanche) {
    const preset = config.avalanche.chainId === 43113 ? avalancheFuji : avalanche
    chains.push(preset(evm(config.avalanche)))
  }
  if (config.solana) {
    const { rpcUrl, payTo, network, mint, mintDecimals, commitment } = config.solana
    chains.push(
      solana({
        rpcUrl,
        payTo,
        commitment,
        ...(network ? { network } : {}),
        assets: [{ standard: 'spl', mint, symbol: 'USDC', decimals: mintDecimals }],
      }),
    )
  }
  return chains
}
