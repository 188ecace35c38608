import { randomBytes } from 'node:crypto'
import { parseAmount } from '@tx402/core'

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

const mainnetUsdc = {
  BASE: { chainId: 8453, token: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' },
  AVALANCHE: { chainId: 43114, token: '0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E' },
} as const

/**
 * Reads and validates the demo's configuration (README, "Configuration"). A chain without an RPC
 * URL is not offered; defaults are the mainnet presets (USDC, 6 decimals).
 *
 * @example const config = loadConfig(process.env)
 */
export function loadConfig(env: Record<string, string | undefined>): DemoConfig {
  const read = (name: string) => {
    const value = env[name]?.trim()
    return value ? value : undefined
  }
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name)
    if (raw === undefined) return fallback
    if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new DemoConfigError(
        name,
        `expected a whole number from ${min} to ${max}, got "${raw}".`,
      )
    }
    return Number(raw)
  }
  const price = (name: string, fallback: string): string => {
    const value = read(name) ?? fallback
    try {
      if (parseAmount(value, 6) <= 0n) throw new Error('zero')
    } catch {
      throw new DemoConfigError(
        name,
        `expected a positive decimal price such as "0.01", got "${value}".`,
      )
    }
    return value
  }
  const evmAddress = (name: string, fallback?: string): `0x${string}` => {
    const value = read(name) ?? fallback
    if (value === undefined) throw new DemoConfigError(name, 'required when the chain is enabled.')
    if (!/^0x[0-9a-fA-F]{40}$/.test(value)) {
      throw new DemoConfigError(name, `expected a 0x-prefixed 20-byte address, got "${value}".`)
    }
    return value as `0x${string}`
  }
  const solanaKey = (name: string, fallback?: string): string => {
    const value = read(name) ?? fallback
    if (value === undefined) throw new DemoConfigError(name, 'required when Solana is enabled.')
    if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(value)) {
      throw new DemoConfigError(name, `expected a base58 public key, got "${value}".`)
    }
    return value
  }

  const evmChain = (prefix: 'BASE' | 'AVALANCHE'): EvmChainConfig | undefined => {
    const rpcUrl = read(`${prefix}_RPC_URL`)
    if (!rpcUrl) return undefined
    url(`${prefix}_RPC_URL`, rpcUrl)
    const confirmations = read(`${prefix}_CONFIRMATIONS`)
    return {
      rpcUrl,
      chainId: integer(`${prefix}_CHAIN_ID`, mainnetUsdc[prefix].chainId, 1, 2 ** 53 - 1),
      token: evmAddress(`${prefix}_TOKEN`, mainnetUsdc[prefix].token),
      tokenDecimals: integer(`${prefix}_TOKEN_DECIMALS`, 6, 0, 36),
      payTo: evmAddress(`${prefix}_PAY_TO`),
      ...(confirmations ? { confirmations: integer(`${prefix}_CONFIRMATIONS`, 1, 1, 10_000) } : {}),
    }
  }

  const solanaChain = (): SolanaChainConfig | undefined => {
    const rpcUrl = read('SOLANA_RPC_URL')
    if (!rpcUrl) return undefined
    url('SOLANA_RPC_URL', rpcUrl)
    const commitment = read('SOLANA_COMMITMENT') ?? 'confirmed'
    if (commitment !== 'confirmed' && commitment !== 'finalized') {
      throw new DemoConfigError(
        'SOLANA_COMMITMENT',
        `expected "confirmed" or "finalized", got "${commitment}".`,
      )
    }
    const network = read('SOLANA_NETWORK')
    if (network !== undefined && !/^solana:[1-9A-HJ-NP-Za-km-z]{32}$/.test(network)) {
      throw new DemoConfigError(
        'SOLANA_NETWORK',
        `expected "solana:" and 32 base58 characters, got "${network}".`,
      )
    }
    return {
      rpcUrl,
      ...(network ? { network: network as `solana:${string}` } : {}),
      mint: solanaKey('SOLANA_MINT', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v'),
      mintDecimals: integer('SOLANA_MINT_DECIMALS', 6, 0, 36),
      payTo: solanaKey('SOLANA_PAY_TO'),
      commitment,
    }
  }

  const databaseUrl = read('DATABASE_URL')
  const redisUrl = read('REDIS_URL')
  if (Boolean(databaseUrl) !== Boolean(redisUrl)) {
    const missing = databaseUrl ? 'REDIS_URL' : 'DATABASE_URL'
    throw new DemoConfigError(
      missing,
      'set DATABASE_URL and REDIS_URL together, or neither for the embedded ledger.',
    )
  }
  if (databaseUrl) url('DATABASE_URL', databaseUrl)
  if (redisUrl) url('REDIS_URL', redisUrl)

  const secret = read('TX402_SECRET')
  if (secret !== undefined && new TextEncoder().encode(secret).length < 32) {
    throw new DemoConfigError(
      'TX402_SECRET',
      'must be at least 32 bytes (try `openssl rand -hex 32`).',
    )
  }
  const maxAge = read('TX402_MAX_AGE_SECONDS')
  const base = evmChain('BASE')
  const avalanche = evmChain('AVALANCHE')
  const solana = solanaChain()
  if (!base && !avalanche && !solana) {
    throw new DemoConfigError(
      'BASE_RPC_URL',
      'no chain is configured: set at least one of BASE_RPC_URL, AVALANCHE_RPC_URL, SOLANA_RPC_URL.',
    )
  }
  // Each price must be payable in every enabled chain's token: 0.001 cannot be paid in a token
  // of 2 decimals.
  const decimals = [
    ...(base ? [['BASE_TOKEN_DECIMALS', base.tokenDecimals] as const] : []),
    ...(avalanche ? [['AVALANCHE_TOKEN_DECIMALS', avalanche.tokenDecimals] as const] : []),
    ...(solana ? [['SOLANA_MINT_DECIMALS', solana.mintDecimals] as const] : []),
  ]
  const fittingPrice = (name: string, fallback: string): string => {
    const value = price(name, fallback)
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
  return {
    port: integer('PORT', 3402, 0, 65535),
    secret: secret ?? randomBytes(32).toString('hex'),
    secretGenerated: secret === undefined,
    ledger:
      databaseUrl && redisUrl
        ? { kind: 'redis-postgres', databaseUrl, redisUrl }
        : { kind: 'embedded', dataDir: read('TX402_DATA_DIR') ?? '.tx402-data' },
    ...(maxAge !== undefined
      ? { maxAgeSeconds: integer('TX402_MAX_AGE_SECONDS', 0, 0, 10 ** 9) }
      : {}),
    priceWeather: fittingPrice('TX402_PRICE_WEATHER', '0.01'),
    priceEncrypt: fittingPrice('TX402_PRICE_ENCRYPT', '0.10'),
    ...(base ? { base } : {}),
    ...(avalanche ? { avalanche } : {}),
    ...(solana ? { solana } : {}),
  }
}

function url(name: string, value: string): void {
  try {
    new URL(value)
  } catch {
    throw new DemoConfigError(name, 'expected a URL.')
  }
}
