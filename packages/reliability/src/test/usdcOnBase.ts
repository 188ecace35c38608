import { base } from '@tx402/chain-base'

/** Where the suite's test USDC lives: the RPC to read, the token, and the wallet paid. */
export interface UsdcOnBaseConfig {
  rpcUrl: string
  token: `0x${string}`
  payTo: `0x${string}`
}

/**
 * The Base plugin (anvil runs Base's chain id) asking `payTo` for the suite's test USDC (6
 * decimals) at 1 confirmation: the chain of every API of the suite, in the test process and in
 * the API processes it spawns. `extra` overrides any field (timeouts, retries).
 *
 * @example const chain = usdcOnBase(config, { retryCount: 0 })
 */
export function usdcOnBase(
  { rpcUrl, token, payTo }: UsdcOnBaseConfig,
  extra: Partial<Parameters<typeof base>[0]> = {},
) {
  return base({
    rpcUrl,
    payTo,
    assets: [{ standard: 'erc20', address: token, symbol: 'USDC', decimals: 6 }],
    confirmations: 1,
    ...extra,
  })
}
