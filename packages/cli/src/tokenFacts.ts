import { getMint, TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID, TokenError } from '@solana/spl-token'
import { Connection, PublicKey } from '@solana/web3.js'
import { describeFault } from '@tx402/core'
import {
  type Address,
  ContractFunctionExecutionError,
  ContractFunctionZeroDataError,
  createPublicClient,
  erc20Abi,
  http,
  isAddress,
} from 'viem'
import { type ChainFlags, type ChainName, type Env, read } from './chains.js'
import { CliError, exitCodes, usageError } from './exitCodes.js'

/** What the chain itself says of a token: its decimals, and its symbol where it has one. */
export interface TokenFacts {
  decimals: number
  /** ERC-20 `symbol()`; undefined for an SPL mint (symbols live in metadata, not the mint). */
  symbol?: string | undefined
}

/**
 * `flags` with the token's decimals (and symbol) filled in from the chain when a token is named
 * (`--token`, `<CHAIN>_TOKEN`, `SOLANA_MINT`) and its decimals are not configured (`--decimals`,
 * `<CHAIN>_TOKEN_DECIMALS`, `SOLANA_MINT_DECIMALS`): a guess of 6 would judge an 18-decimal
 * token's dust a full payment. A configured value is kept, as the server uses it; `--asset`
 * keeps naming the price's asset when given, else the ERC-20's own symbol does.
 *
 * @throws CliError exit 2 when the token is not an ERC-20 contract or an SPL mint on that chain;
 *   exit 3 when the RPC does not answer.
 * @example const withFacts = await withTokenFacts('base', flags, process.env)
 */
export async function withTokenFacts(
  name: ChainName,
  flags: ChainFlags,
  env: Env,
): Promise<ChainFlags> {
  const prefix = name.toUpperCase()
  const token = flags.token ?? read(env, name === 'solana' ? 'SOLANA_MINT' : `${prefix}_TOKEN`)
  const decimalsVariable = name === 'solana' ? 'SOLANA_MINT_DECIMALS' : `${prefix}_TOKEN_DECIMALS`
  const rpcUrl = flags.rpc ?? read(env, `${prefix}_RPC_URL`)
  // Without a token the presets' own assets apply; without an RPC configureChain says what to set.
  if (!token || flags.decimals !== undefined || read(env, decimalsVariable) || !rpcUrl) return flags
  if (!/^https?:\/\//.test(rpcUrl)) return flags
  const facts =
    name === 'solana' ? await splMintFacts(rpcUrl, token) : await erc20Facts(rpcUrl, token)
  return {
    ...flags,
    decimals: String(facts.decimals),
    ...(flags.asset === undefined && facts.symbol ? { asset: facts.symbol } : {}),
  }
}

/** `decimals()` and `symbol()` of an ERC-20 contract, with viem. */
async function erc20Facts(rpcUrl: string, token: string): Promise<TokenFacts> {
  if (!isAddress(token))
    throw usageError(`--token (or the TOKEN variable) is not an address: "${token}".`)
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }) })
  const contract = { address: token as Address, abi: erc20Abi } as const
  let decimals: number
  try {
    decimals = await client.readContract({ ...contract, functionName: 'decimals' })
  } catch (error) {
    if (
      error instanceof ContractFunctionExecutionError &&
      (error.cause instanceof ContractFunctionZeroDataError || /revert/i.test(error.shortMessage))
    ) {
      throw usageError(
        `--token ${token} is not an ERC-20 contract on this chain (no decimals()); check the address and --chain.`,
      )
    }
    throw unreachable(`reading decimals() of ${token}`, error)
  }
  // A symbol that is not a string (some old tokens return bytes32) is only a label: left out.
  const symbol = await client
    .readContract({ ...contract, functionName: 'symbol' })
    .catch(() => undefined)
  return { decimals, symbol: symbol?.trim() || undefined }
}

/** The decimals of an SPL mint (Token or Token-2022), with spl-token's `getMint`. */
async function splMintFacts(rpcUrl: string, mint: string): Promise<TokenFacts> {
  let address: PublicKey
  try {
    address = new PublicKey(mint)
  } catch {
    throw usageError(`--token (or SOLANA_MINT) is not a base58 address: "${mint}".`)
  }
  const connection = new Connection(rpcUrl, 'confirmed')
  const notMint = () =>
    usageError(`--token ${mint} is not an SPL mint on this network; check the mint and --network.`)
  let owner: PublicKey
  try {
    const info = await connection.getAccountInfo(address)
    if (!info) throw notMint()
    owner = info.owner
  } catch (error) {
    if (error instanceof CliError) throw error
    throw unreachable(`reading the mint ${mint}`, error)
  }
  // A mint belongs to the Token or the Token-2022 program; getMint reads it under its own.
  if (!owner.equals(TOKEN_PROGRAM_ID) && !owner.equals(TOKEN_2022_PROGRAM_ID)) throw notMint()
  try {
    return { decimals: (await getMint(connection, address, 'confirmed', owner)).decimals }
  } catch (error) {
    if (error instanceof TokenError) throw notMint()
    throw unreachable(`reading the mint ${mint}`, error)
  }
}

// describeFault: one line, no URL (an RPC URL often carries an API key).
function unreachable(what: string, error: unknown): CliError {
  const { message } = describeFault(error)
  return new CliError(`The RPC did not answer ${what}: ${message}`, exitCodes.unreachable)
}
