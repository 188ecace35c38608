import { type Address, getAddress, type Hex, parseAbi } from 'viem'
import { type ContractName, compileContracts } from './compileContracts.js'
import type { AnvilNode } from './startAnvil.js'

/** ERC-20 functions of the test tokens, plus `mint` (anyone may mint on a test chain). */
export const testTokenAbi = parseAbi([
  'function name() view returns (string)',
  'function symbol() view returns (string)',
  'function decimals() view returns (uint8)',
  'function balanceOf(address) view returns (uint256)',
  'function allowance(address owner, address spender) view returns (uint256)',
  'function mint(address to, uint256 value)',
  'function approve(address spender, uint256 value) returns (bool)',
  'function transfer(address to, uint256 value) returns (bool)',
  'function transferFrom(address from, address to, uint256 value) returns (bool)',
  'event Transfer(address indexed from, address indexed to, uint256 value)',
  'event Approval(address indexed owner, address indexed spender, uint256 value)',
])

/** `PayRouter`: moves the caller's approved tokens with `transferFrom`, once or in two logs. */
export const payRouterAbi = parseAbi([
  'function pay(address token, address to, uint256 value)',
  'function paySplit(address token, address to, uint256 first, uint256 second)',
])

/** `SmartWallet`: an owner-controlled contract wallet with ERC-1271. */
export const smartWalletAbi = parseAbi([
  'function owner() view returns (address)',
  'function execute(address target, uint256 value, bytes data) returns (bytes)',
  'function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)',
])

/** `BatchPay`: several payments in one transaction (two payers, or two payees). */
export const batchPayAbi = parseAbi([
  'function payFromTwo(address token, address to, address first, uint256 firstValue, address second, uint256 secondValue)',
  'function payTwo(address token, address firstTo, uint256 firstValue, address secondTo, uint256 secondValue)',
])

/** `SmartWalletFactory`: `SmartWallet`s at CREATE2 addresses known before they exist. */
export const smartWalletFactoryAbi = parseAbi([
  'function createWallet(address owner, bytes32 salt) returns (address)',
  'function walletAddress(address owner, bytes32 salt) view returns (address)',
  'function createAndExecute(bytes32 salt, address target, uint256 value, bytes data)',
])

/**
 * Which ERC-20 to deploy: `standard` behaves; `fee` keeps 1% of every transfer (the recipient's
 * Transfer log shows less than was sent); `false` returns false from `transfer` and moves nothing.
 */
export type TestTokenKind = 'standard' | 'fee' | 'false'

const tokenContracts: Record<TestTokenKind, ContractName> = {
  standard: 'TestToken',
  fee: 'FeeToken',
  false: 'FalseToken',
}

/**
 * Deploys a test ERC-20 (compiled from Solidity with npm `solc`) from dev account 0, mints
 * balances, and returns its checksummed address. Defaults: `USD Coin` / `USDC`, 6 decimals, kind `standard`, no balances.
 *
 * @example
 * const usdc = await deployTestToken(node, { mint: [[node.accounts[1]!.address, 100_000_000n]] })
 * const fake = await deployTestToken(node, { symbol: 'USDC' }) // same symbol, another contract
 */
export async function deployTestToken(
  node: AnvilNode,
  options: {
    name?: string
    symbol?: string
    decimals?: number
    kind?: TestTokenKind
    mint?: readonly (readonly [Address, bigint])[]
  } = {},
): Promise<Address> {
  const address = await deploy(node, tokenContracts[options.kind ?? 'standard'], [
    options.name ?? 'USD Coin',
    options.symbol ?? 'USDC',
    options.decimals ?? 6,
  ])
  for (const [to, amount] of options.mint ?? []) await mintTestToken(node, address, to, amount)
  return address
}

/**
 * Mints `amount` base units of a test token to `to` and waits for the block.
 *
 * @example await mintTestToken(node, usdc, payer, 5_000_000n)
 */
export async function mintTestToken(
  node: AnvilNode,
  token: Address,
  to: Address,
  amount: bigint,
): Promise<void> {
  const hash = await node.wallet(0).writeContract({
    address: token,
    abi: testTokenAbi,
    functionName: 'mint',
    args: [to, amount],
  })
  await waitFor(node, hash)
}

/**
 * Sends `amount` base units of `token` from dev account `from` to `to` with `transfer`, and
 * waits for the receipt (whatever its status: a false-returning token mines too).
 *
 * @example const hash = await transferTestToken(node, usdc, { from: 1, to: payTo, amount: 10_000n })
 */
export async function transferTestToken(
  node: AnvilNode,
  token: Address,
  transfer: { from: number; to: Address; amount: bigint },
): Promise<Hex> {
  const hash = await node.wallet(transfer.from).writeContract({
    address: token,
    abi: testTokenAbi,
    functionName: 'transfer',
    args: [transfer.to, transfer.amount],
  })
  await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  return hash
}

/**
 * Deploys `PayRouter`, which pays through internal `transferFrom` calls (as routers do).
 *
 * @example const router = await deployPayRouter(node)
 */
export function deployPayRouter(node: AnvilNode): Promise<Address> {
  return deploy(node, 'PayRouter', [])
}

/**
 * Deploys a `SmartWallet` owned by `owner`: calls go through `execute`, and ERC-1271 accepts
 * the owner's signatures.
 *
 * @example const wallet = await deploySmartWallet(node, node.accounts[3]!.address)
 */
export function deploySmartWallet(node: AnvilNode, owner: Address): Promise<Address> {
  return deploy(node, 'SmartWallet', [owner])
}

/**
 * Deploys `BatchPay`, which moves several approved payments in one transaction.
 *
 * @example const batch = await deployBatchPay(node)
 */
export function deployBatchPay(node: AnvilNode): Promise<Address> {
  return deploy(node, 'BatchPay', [])
}

/**
 * Deploys `SmartWalletFactory`, whose wallets have addresses before they are deployed (for
 * ERC-6492 proofs of counterfactual wallets).
 *
 * @example const factory = await deploySmartWalletFactory(node)
 */
export function deploySmartWalletFactory(node: AnvilNode): Promise<Address> {
  return deploy(node, 'SmartWalletFactory', [])
}

async function deploy(
  node: AnvilNode,
  name: ContractName,
  args: readonly unknown[],
): Promise<Address> {
  const { abi, bytecode } = (await compileContracts())[name]
  const hash = await node.wallet(0).deployContract({ abi, bytecode, args })
  const receipt = await waitFor(node, hash)
  if (!receipt.contractAddress) throw new Error(`${name} was not deployed`)
  return getAddress(receipt.contractAddress)
}

async function waitFor(node: AnvilNode, hash: Hex) {
  const receipt = await node.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 20 })
  if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
  return receipt
}
