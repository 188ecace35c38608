import { Connection, Keypair, PublicKey } from '@solana/web3.js'
import { type AnvilNode, deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'
import { type RedisServer, startRedisServer } from '@tx402/testing/faults'
import { type SolanaRpc, sendTransfer, startSolanaRpc } from '@tx402/testing/solana'
import pg from 'pg'
import type { PaidApiConfig } from './paidApi.js'

/** Real parts the CLI's tests run against, and a server's variables pointing at them. */
export interface CliFixture {
  base: AnvilNode
  /** The test USDC on `base` (6 decimals). */
  token: `0x${string}`
  /** The service's wallet on base (dev account 2); dev account 1 pays. */
  basePayTo: `0x${string}`
  solana: SolanaRpc
  mint: string
  solanaPayer: Keypair
  solanaPayTo: string
  /** A private redis-server (stopped by tests without touching the machine's). */
  redis: RedisServer
  /** `tx402_cli_test`, a database of the CLI tests' own, empty at the start. */
  databaseUrl: string
  secret: string
  /** The variables a server of this deployment reads (chains, secret; no ledger). */
  env: Record<string, string>
  /** A paid API of this deployment: both chains, on Redis + PostgreSQL unless `overrides` say. */
  paidApi(overrides?: Partial<PaidApiConfig>): PaidApiConfig
  /** Creates (or empties) a PostgreSQL database of this name; returns its URL. */
  freshDatabase(name: string): Promise<string>
  /** Transfers `amount` test USDC from dev account 1 to `to` (default the service); returns the hash. */
  payBase(amount: bigint, to?: `0x${string}`): Promise<`0x${string}`>
  /** Transfers `amount` test USDC on Solana to `to` (default the service); returns the signature. */
  paySolana(amount: bigint, to?: string): Promise<string>
  stop(): Promise<void>
}

/**
 * Starts anvil (chain id 8453) with a test USDC, the litesvm Solana RPC with a test USDC mint, a
 * private redis-server, and an empty PostgreSQL database.
 *
 * @example const fixture = await startCliFixture(); after(() => fixture.stop())
 */
export async function startCliFixture(): Promise<CliFixture> {
  const stops: Array<() => Promise<void>> = []
  const stop = async () => {
    for (const step of stops.reverse()) await step()
  }
  try {
    const base = await startAnvil({ chainId: 8453 })
    stops.push(() => base.stop())
    const token = await deployTestToken(base, { mint: [[base.accounts[1]!.address, 100_000_000n]] })
    const solana = await startSolanaRpc({ landAt: 'finalized' })
    stops.push(() => solana.stop())
    const solanaPayer = Keypair.generate()
    solana.fund(solanaPayer.publicKey, 10_000_000_000n)
    const mint = solana.createMint({ decimals: 6 })
    solana.mintTo({ mint, owner: solanaPayer.publicKey, amount: 100_000_000n })
    const redis = await startRedisServer()
    stops.push(() => redis.stop())
    const databaseUrl = await freshDatabase('tx402_cli_test')

    const basePayTo = base.accounts[2]!.address
    const solanaPayTo = Keypair.generate().publicKey.toBase58()
    const secret = 'cli-test-secret-of-more-than-thirty-two-bytes'
    const connection = new Connection(solana.rpcUrl, 'confirmed')
    return {
      base,
      token,
      basePayTo,
      solana,
      mint: mint.toBase58(),
      solanaPayer,
      solanaPayTo,
      redis,
      databaseUrl,
      secret,
      env: {
        TX402_SECRET: secret,
        BASE_RPC_URL: base.rpcUrl,
        BASE_CHAIN_ID: '8453',
        BASE_TOKEN: token,
        BASE_TOKEN_DECIMALS: '6',
        BASE_PAY_TO: basePayTo,
        BASE_CONFIRMATIONS: '1',
        SOLANA_RPC_URL: solana.rpcUrl,
        SOLANA_NETWORK: solana.network,
        SOLANA_MINT: mint.toBase58(),
        SOLANA_MINT_DECIMALS: '6',
        SOLANA_PAY_TO: solanaPayTo,
      },
      async payBase(amount, to = basePayTo) {
        const hash = await base.wallet(1).writeContract({
          address: token,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [to, amount],
        })
        await base.publicClient.waitForTransactionReceipt({ hash })
        return hash
      },
      paySolana(amount, to = solanaPayTo) {
        return sendTransfer(connection, { payer: solanaPayer, to: new PublicKey(to), mint, amount })
      },
      paidApi: (overrides = {}) => ({
        secret,
        ledger: { databaseUrl, redisUrl: redis.url },
        base: { rpcUrl: base.rpcUrl, token, payTo: basePayTo },
        solana: {
          rpcUrl: solana.rpcUrl,
          network: solana.network,
          mint: mint.toBase58(),
          payTo: solanaPayTo,
        },
        ...overrides,
      }),
      freshDatabase,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

async function freshDatabase(database: string): Promise<string> {
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: 5432,
    user: 'postgres',
    database: 'postgres',
  })
  await admin.connect()
  try {
    await admin.query(`drop database if exists ${database} with (force)`)
    await admin.query(`create database ${database}`)
  } finally {
    await admin.end()
  }
  return `postgres://postgres@127.0.0.1:5432/${database}`
}
