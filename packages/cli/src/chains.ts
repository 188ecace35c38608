import { avalanche, avalancheFuji, avalanchePresets } from '@tx402/chain-avalanche'
import { base, basePresets, baseSepolia } from '@tx402/chain-base'
import type { EvmChainPlugin } from '@tx402/chain-evm'
import { type SolanaPlugin, solana } from '@tx402/chain-solana'
import type { Network } from '@tx402/core'
import { usageError } from './exitCodes.js'

/** The chains a server configures from its environment (README, "The demo API's configuration"). */
export const chainNames = ['base', 'avalanche', 'solana'] as const

/** One of `chainNames`. */
export type ChainName = (typeof chainNames)[number]

/** The environment, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>

/** Per-chain flags; each overrides its `<CHAIN>_…` variable. */
export interface ChainFlags {
  rpc?: string | undefined
  payTo?: string | undefined
  network?: string | undefined
  token?: string | undefined
  decimals?: string | undefined
  confirmations?: string | undefined
  asset?: string | undefined
}

/** A configured chain: its plugin and where it came from. */
export type ConfiguredChain =
  | { name: 'base' | 'avalanche'; family: 'evm'; rpcUrl: string; plugin: EvmChainPlugin }
  | { name: 'solana'; family: 'solana'; rpcUrl: string; plugin: SolanaPlugin }

/** Names a chain the CLI knows, or fails with exit 2 naming `--chain`. */
export function chainName(raw: string | undefined): ChainName {
  const name = raw?.toLowerCase()
  if (!name || !(chainNames as readonly string[]).includes(name)) {
    throw usageError(`--chain must be one of ${chainNames.join(', ')}, got "${raw ?? ''}".`)
  }
  return name as ChainName
}

/** The chains whose `<CHAIN>_RPC_URL` is set, as a server enables them. */
export function enabledChains(env: Env): ChainName[] {
  return chainNames.filter((name) => read(env, `${prefix(name)}_RPC_URL`) !== undefined)
}

/**
 * The plugin a server would build for `name` from the same variables (`BASE_RPC_URL`,
 * `BASE_CHAIN_ID`, `BASE_TOKEN`, `BASE_TOKEN_DECIMALS`, `BASE_PAY_TO`, `BASE_CONFIRMATIONS`;
 * `SOLANA_NETWORK`, `SOLANA_MINT`, `SOLANA_MINT_DECIMALS`, `SOLANA_COMMITMENT`…), each overridden
 * by its flag. A testnet's chain id (84532, 43113) or network takes its preset and its USDC. A
 * missing or malformed value fails with exit 2 naming the flag and the variable.
 *
 * @example const chain = configureChain('base', { rpc: 'http://127.0.0.1:8545' }, process.env)
 */
export function configureChain(name: ChainName, flags: ChainFlags, env: Env): ConfiguredChain {
  const p = prefix(name)
  const value = (flag: keyof ChainFlags, variable: string) => flags[flag] ?? read(env, variable)
  const required = (flag: keyof ChainFlags, option: string, variable: string) => {
    const found = value(flag, variable)
    if (!found) throw usageError(`${option} (or ${variable}) is required for ${name}.`)
    return found
  }
  const integer = (raw: string | undefined, names: string) => {
    if (raw === undefined) return undefined
    if (!/^[0-9]+$/.test(raw)) throw usageError(`${names} must be a whole number, got "${raw}".`)
    return Number(raw)
  }
  const rpcUrl = required('rpc', '--rpc', `${p}_RPC_URL`)
  if (!/^https?:\/\//.test(rpcUrl)) {
    throw usageError(`--rpc (or ${p}_RPC_URL) must be an http(s) URL.`)
  }
  const payTo = required('payTo', '--pay-to', `${p}_PAY_TO`)
  const symbol = flags.asset ?? 'USDC'
  const token = value('token', name === 'solana' ? 'SOLANA_MINT' : `${p}_TOKEN`)
  const decimalsVariable = name === 'solana' ? 'SOLANA_MINT_DECIMALS' : `${p}_TOKEN_DECIMALS`
  const decimals = integer(
    value('decimals', decimalsVariable),
    `--decimals (or ${decimalsVariable})`,
  )

  if (name === 'solana') {
    const network = value('network', 'SOLANA_NETWORK') as Network | undefined
    const commitment = read(env, 'SOLANA_COMMITMENT') ?? 'confirmed'
    if (commitment !== 'confirmed' && commitment !== 'finalized') {
      throw usageError(`SOLANA_COMMITMENT must be "confirmed" or "finalized", got "${commitment}".`)
    }
    const plugin = solana({
      rpcUrl,
      payTo,
      commitment,
      ...(network ? { network } : {}),
      ...(token
        ? { assets: [{ standard: 'spl' as const, mint: token, symbol, decimals: decimals ?? 6 }] }
        : {}),
    })
    return { name, family: 'solana', rpcUrl, plugin }
  }

  // `--network eip155:8453` (or a bare chain id), else `<CHAIN>_CHAIN_ID`, else the preset's.
  const chainId = flags.network
    ? /^(?:eip155:)?([0-9]+)$/.exec(flags.network)?.[1]
    : read(env, `${p}_CHAIN_ID`)
  if (flags.network && chainId === undefined) {
    throw usageError(`--network must be "eip155:<chain id>", got "${flags.network}".`)
  }
  const network: Network | undefined =
    chainId === undefined ? undefined : `eip155:${integer(chainId, `${p}_CHAIN_ID`)}`
  const options = {
    rpcUrl,
    payTo,
    network,
    assets: token
      ? [{ standard: 'erc20' as const, address: token, symbol, decimals: decimals ?? 6 }]
      : undefined,
    confirmations: integer(
      value('confirmations', `${p}_CONFIRMATIONS`),
      `--confirmations (or ${p}_CONFIRMATIONS)`,
    ),
  }
  // The preset of the chain id (a testnet's has its own name and USDC); another chain id has
  // none, so its token must be named rather than default to mainnet USDC.
  const presets: Record<string, unknown> = name === 'base' ? basePresets : avalanchePresets
  if (network && !token && !(network in presets)) {
    throw usageError(
      `--token (or ${p}_TOKEN) is required for ${network}, which has no preset on ${name}.`,
    )
  }
  const factory =
    name === 'base'
      ? network === 'eip155:84532'
        ? baseSepolia
        : base
      : network === 'eip155:43113'
        ? avalancheFuji
        : avalanche
  const plugin = factory(options)
  return { name, family: 'evm', rpcUrl, plugin }
}

function prefix(name: ChainName): string {
  return name.toUpperCase()
}

/** A variable's trimmed value; unset and empty are the same. */
export function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}
