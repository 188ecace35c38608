import { randomBytes } from 'node:crypto'
import { avalanchePresets } from '@tx402/chain-avalanche'
import { basePresets } from '@tx402/chain-base'
import { solanaNetworkIds, solanaNetworks } from '@tx402/chain-solana'
import { parseAmount } from '@tx402/core'
import type { z } from 'zod'
import { demoEnv, evmChain, mainnetChainIds, solanaChain } from './envSchema.js'

/** An EVM chain of the demo, from `<CHAIN>_*` variables. */
export interface EvmChainConfig {
  rpcUrl: string
  chainId: number
  token: `0x${string}`
  tokenDecimals: number
  payTo: `0x${string}`
  confirmations?: number
}

/** Solana, from `SOLANA_*` variables. */
export interface SolanaChainConfig {
  rpcUrl: string
  network?: `solana:${string}`
  mint: string
  mintDecimals: number
  payTo: string
  commitment: 'confirmed' | 'finalized'
}

/** Everything the demo API reads from its environment, validated. */
export interface DemoConfig {
  port: number
  secret: string
  /** True when no TX402_SECRET was given and one was generated for this run. */
  secretGenerated: boolean
  ledger:
    | { kind: 'embedded'; dataDir: string }
    | { kind: 'redis-postgres'; databaseUrl: string; redisUrl: string }
  /** Overrides each chain's default; 0 turns the age check off (tests replaying old transactions). */
  maxAgeSeconds?: number
  priceWeather: string
  priceEncrypt: string
  base?: EvmChainConfig
  avalanche?: EvmChainConfig
  solana?: SolanaChainConfig
}

/** A bad or missing environment variable; the message names it. */
export class DemoConfigError extends Error {
  override name = 'DemoConfigError'
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`)
  }
}

type Env = Record<string, string | undefined>

/**
 * Reads and validates the demo's configuration (README, "Configuration"). A chain without an RPC
 * URL is not offered; the token defaults to the USDC of the chain id's preset (mainnet, Base Sepolia,
 * Fuji, Solana devnet), 6 decimals. Throws
 * `DemoConfigError` naming the first bad or missing variable.
 *
 * @example const config = loadConfig(process.env)
 */
export function loadConfig(env: Env): DemoConfig {
  const common = parse(demoEnv, env)
  const base = common.BASE_RPC_URL ? evm('BASE', env) : undefined
  const avalanche = common.AVALANCHE_RPC_URL ? evm('AVALANCHE', env) : undefined
  const solana = common.SOLANA_RPC_URL ? parse(solanaChain, env, 'SOLANA_') : undefined

  // Each price must be payable in every enabled chain's token: 0.001 cannot be paid in a token
  // of 2 decimals.
  const decimals = [
    ...(base ? [['BASE_TOKEN_DECIMALS', base.tokenDecimals] as const] : []),
    ...(avalanche ? [['AVALANCHE_TOKEN_DECIMALS', avalanche.tokenDecimals] as const] : []),
    ...(solana ? [['SOLANA_MINT_DECIMALS', solana.MINT_DECIMALS] as const] : []),
  ]
  const fittingPrice = (name: string, value: string): string => {
    for (const [variable, places] of decimals) {
      try {
        parseAmount(value, places)
      } catch {
        throw new DemoConfigError(
          name,
          `"${value}" has more decimal places than the token of ${variable}=${places}; use a price with at most ${places}.`,
        )
      }
    }
    return value
  }

  const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, TX402_SECRET: secret } = common
  return {
    port: common.PORT,
    secret: secret ?? randomBytes(32).toString('hex'),
    secretGenerated: secret === undefined,
    ledger:
      databaseUrl && redisUrl
        ? { kind: 'redis-postgres', databaseUrl, redisUrl }
        : { kind: 'embedded', dataDir: common.TX402_DATA_DIR },
    ...(common.TX402_MAX_AGE_SECONDS !== undefined
      ? { maxAgeSeconds: common.TX402_MAX_AGE_SECONDS }
      : {}),
    priceWeather: fittingPrice('TX402_PRICE_WEATHER', common.TX402_PRICE_WEATHER),
    priceEncrypt: fittingPrice('TX402_PRICE_ENCRYPT', common.TX402_PRICE_ENCRYPT),
    ...(base ? { base } : {}),
    ...(avalanche ? { avalanche } : {}),
    ...(solana
      ? {
          solana: {
            rpcUrl: solana.RPC_URL,
            ...(solana.NETWORK ? { network: solana.NETWORK } : {}),
            mint: solanaMint(solana),
            mintDecimals: solana.MINT_DECIMALS,
            payTo: solana.PAY_TO,
            commitment: solana.COMMITMENT,
          },
        }
      : {}),
  }
}

// The USDC of the preset for `network` among a chain's presets (mainnet and testnet), if any.
type Presets = Record<string, { network: string; assets: readonly { address?: string }[] }>
const presetUsdc = (presets: Presets, network: string) =>
  Object.values(presets).find((preset) => preset.network === network)?.assets[0]?.address
const presetsOf = { BASE: basePresets, AVALANCHE: avalanchePresets }

function evm(prefix: keyof typeof mainnetChainIds, env: Env): EvmChainConfig {
  const chain = parse(evmChain(mainnetChainIds[prefix]), env, `${prefix}_`)
  // A testnet's chain id gets the testnet's USDC: mainnet's address there would be no token.
  const token = chain.TOKEN ?? presetUsdc(presetsOf[prefix], `eip155:${chain.CHAIN_ID}`)
  if (!token) {
    throw new DemoConfigError(
      `${prefix}_TOKEN`,
      `required for chain id ${chain.CHAIN_ID}, which has no preset: set the token's address.`,
    )
  }
  return {
    rpcUrl: chain.RPC_URL,
    chainId: chain.CHAIN_ID,
    token: token as `0x${string}`,
    tokenDecimals: chain.TOKEN_DECIMALS,
    payTo: chain.PAY_TO,
    ...(chain.CONFIRMATIONS !== undefined ? { confirmations: chain.CONFIRMATIONS } : {}),
  }
}

// SOLANA_MINT, else the USDC mint of SOLANA_NETWORK's preset (mainnet when unset).
function solanaMint(chain: z.output<typeof solanaChain>): string {
  if (chain.MINT) return chain.MINT
  const preset = solanaNetworks[chain.NETWORK ?? solanaNetworkIds.mainnet]
  const usdc = preset?.assets.find((asset) => asset.standard === 'spl')
  if (!usdc) {
    throw new DemoConfigError(
      'SOLANA_MINT',
      `required for ${chain.NETWORK}, which has no preset: set the USDC mint.`,
    )
  }
  return usdc.mint
}

// The variables starting with `prefix`, read without it; the first issue becomes the error,
// naming the whole variable.
function parse<T extends z.ZodType>(schema: T, env: Env, prefix = ''): z.output<T> {
  const scoped = Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      name.startsWith(prefix) ? [[name.slice(prefix.length), value]] : [],
    ),
  )
  const result = schema.safeParse(scoped)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  throw new DemoConfigError(`${prefix}${String(issue.path[0])}`, issue.message)
}
