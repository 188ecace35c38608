import { parseAmount } from '@tx402/core'
import { z } from 'zod'

// A variable set to blanks counts as unset; a set one is read trimmed.
const variable = <T extends z.ZodType>(schema: T) =>
  z.preprocess((raw) => (typeof raw === 'string' && raw.trim() ? raw.trim() : undefined), schema)

const got = (issue: { input?: unknown }) => `got "${String(issue.input)}".`

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .refine((raw) => /^[0-9]+$/.test(raw) && Number(raw) >= min && Number(raw) <= max, {
      error: (issue) => `expected a whole number from ${min} to ${max}, ${got(issue)}`,
    })
    .transform(Number)

const url = z.string().refine((raw) => URL.canParse(raw), { error: 'expected a URL.' })

// Positive, and payable in a token of 6 decimals; whether every enabled chain's token can
// express it is checked once the chains are known (`fittingPrice`).
const price = z.string().refine(
  (raw) => {
    try {
      return parseAmount(raw, 6) > 0n
    } catch {
      return false
    }
  },
  { error: (issue) => `expected a positive decimal price such as "0.01", ${got(issue)}` },
)

const evmAddress = z
  .string({ error: 'required when the chain is enabled.' })
  .regex(/^0x[0-9a-fA-F]{40}$/, {
    error: (issue) => `expected a 0x-prefixed 20-byte address, ${got(issue)}`,
  })
  .transform((value) => value as `0x${string}`)

const solanaKey = z
  .string({ error: 'required when Solana is enabled.' })
  .regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, {
    error: (issue) => `expected a base58 public key, ${got(issue)}`,
  })

/** The mainnet chain id of each EVM chain: the default of `<CHAIN>_CHAIN_ID`. */
export const mainnetChainIds = { BASE: 8453, AVALANCHE: 43114 } as const

/**
 * The variables of an EVM chain without their `BASE_`/`AVALANCHE_` prefix. `TOKEN` has no default
 * here: it is the USDC of the chain id's preset (`loadConfig`), mainnet's or a testnet's.
 */
export const evmChain = (mainnetChainId: number) =>
  z.object({
    RPC_URL: variable(url),
    CHAIN_ID: variable(wholeNumber(1, 2 ** 53 - 1).default(mainnetChainId)),
    TOKEN: variable(evmAddress.optional()),
    TOKEN_DECIMALS: variable(wholeNumber(0, 36).default(6)),
    PAY_TO: variable(evmAddress),
    CONFIRMATIONS: variable(wholeNumber(1, 10_000).optional()),
  })

/** The variables of Solana without their `SOLANA_` prefix. */
export const solanaChain = z.object({
  RPC_URL: variable(url),
  NETWORK: variable(
    z
      .string()
      .regex(/^solana:[1-9A-HJ-NP-Za-km-z]{32}$/, {
        error: (issue) => `expected "solana:" and 32 base58 characters, ${got(issue)}`,
      })
      .transform((value) => value as `solana:${string}`)
      .optional(),
  ),
  MINT: variable(solanaKey.optional()),
  MINT_DECIMALS: variable(wholeNumber(0, 36).default(6)),
  PAY_TO: variable(solanaKey),
  COMMITMENT: variable(
    z
      .enum(['confirmed', 'finalized'], {
        error: (issue) => `expected "confirmed" or "finalized", ${got(issue)}`,
      })
      .default('confirmed'),
  ),
})

const ledgerPair = 'set DATABASE_URL and REDIS_URL together, or neither for the embedded ledger.'

/**
 * The variables outside any chain, and which chains are enabled (README, "Configuration"). Each
 * issue's message says what the variable must be; `loadConfig` names the variable.
 */
export const demoEnv = z
  .object({
    PORT: variable(wholeNumber(0, 65535).default(3402)),
    TX402_SECRET: variable(
      z
        .string()
        .refine((secret) => new TextEncoder().encode(secret).length >= 32, {
          error: 'must be at least 32 bytes (try `openssl rand -hex 32`).',
        })
        .optional(),
    ),
    TX402_DATA_DIR: variable(z.string().default('.tx402-data')),
    TX402_MAX_AGE_SECONDS: variable(wholeNumber(0, 10 ** 9).optional()),
    TX402_PRICE_WEATHER: variable(price.default('0.01')),
    TX402_PRICE_ENCRYPT: variable(price.default('0.10')),
    DATABASE_URL: variable(url.optional()),
    REDIS_URL: variable(url.optional()),
    BASE_RPC_URL: variable(z.string().optional()),
    AVALANCHE_RPC_URL: variable(z.string().optional()),
    SOLANA_RPC_URL: variable(z.string().optional()),
  })
  .refine((env) => !env.DATABASE_URL || env.REDIS_URL, { path: ['REDIS_URL'], error: ledgerPair })
  .refine((env) => !env.REDIS_URL || env.DATABASE_URL, {
    path: ['DATABASE_URL'],
    error: ledgerPair,
  })
  .refine((env) => env.BASE_RPC_URL || env.AVALANCHE_RPC_URL || env.SOLANA_RPC_URL, {
    path: ['BASE_RPC_URL'],
    error:
      'no chain is configured: set at least one of BASE_RPC_URL, AVALANCHE_RPC_URL, SOLANA_RPC_URL.',
  })
