import { randomBytes } from 'node:crypto'
import { parseAmount } from '@tx402/core'
import type { z } from 'zod'
import { demoEnv, evmChain, mainnetUsdc, solanaChain } from './envSchema.js'

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
 * URL is not offered; defaults are the mainnet presets (USDC, 6 decimals). Throws
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
            mint: solana.MINT,
            mintDecimals: solana.MINT_DECIMALS,
            payTo: solana.PAY_TO,
            commitment: solana.COMMITMENT,
          },
        }
      : {}),
  }
}

function evm(prefix: keyof typeof mainnetUsdc, env: Env): EvmChainConfig {
  const chain = parse(evmChain(mainnetUsdc[prefix]), env, `${prefix}_`)
  return {
    rpcUrl: chain.RPC_URL,
    chainId: chain.CHAIN_ID,
    token: chain.TOKEN,
    tokenDecimals: chain.TOKEN_DECIMALS,
    payTo: chain.PAY_TO,
    ...(chain.CONFIRMATIONS !== undefined ? { confirmations: chain.CONFIRMATIONS } : {}),
  }
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
