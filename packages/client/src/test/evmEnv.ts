import { base } from '@tx402/chain-base'
import type { ChainPlugin } from '@tx402/core'
import { type AnvilNode, deployTestToken, startAnvil } from '@tx402/testing/evm'
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  http,
  type PublicClient,
  parseAbiItem,
  type Transport,
  type WalletClient,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { evmPayer } from '../evm/evmPayer.js'
import type { Payer } from '../payer.js'

/** An anvil node with a test USDC, a funded payer, and a miner adding a block every 200 ms. */
export interface EvmEnv {
  node: AnvilNode
  /** The test ERC-20 (symbol USDC, 6 decimals). */
  usdc: Address
  payerAccount: Account
  /** A viem public client polling every 50 ms, as the client's payer reads the chain. */
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain, Account>
  payer: Payer
  /** A wallet address nobody has paid yet. */
  freshPayTo(): Address
  /** Mines a 0-value self-transfer of the payer: whatever was signed for its next nonce can never land. */
  takeNextNonce(): Promise<void>
  /** ERC-20 Transfer logs of the test USDC to `payTo`. */
  transfersTo(payTo: Address): Promise<{ transactionHash: string; value: bigint }[]>
  stop(): Promise<void>
}

const transferEvent = parseAbiItem(
  'event Transfer(address indexed from, address indexed to, uint256 value)',
)

/**
 * Starts anvil with `chainId`, deploys a test USDC and funds a payer. The background miner makes
 * confirmations beyond the first arrive, as on a live chain.
 */
export async function startEvmEnv(chainId: number, payerIndex = 1): Promise<EvmEnv> {
  const node = await startAnvil({ chainId })
  const payerAccount = privateKeyToAccount(node.accounts[payerIndex]!.privateKey)
  const usdc = await deployTestToken(node, { mint: [[payerAccount.address, 1_000_000_000n]] })
  const transport = http(node.rpcUrl, { retryCount: 0 })
  const publicClient = createPublicClient({ chain: node.chain, transport, pollingInterval: 50 })
  const walletClient = createWalletClient({ account: payerAccount, chain: node.chain, transport })
  let mining = true
  const miner = (async () => {
    while (mining) {
      await node.testClient.mine({ blocks: 1 }).catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  })()
  return {
    node,
    usdc,
    payerAccount,
    publicClient,
    walletClient,
    // The test USDC is declared by address: the client pays no unknown token by default.
    payer: evmPayer({
      walletClient,
      publicClient,
      assets: [{ address: usdc, symbol: 'USDC', decimals: 6 }],
    }),
    freshPayTo: () => privateKeyToAccount(generatePrivateKey()).address,
    async takeNextNonce() {
      const hash = await walletClient.sendTransaction({ to: payerAccount.address, value: 0n })
      await publicClient.waitForTransactionReceipt({ hash })
    },
    async transfersTo(payTo) {
      const logs = await publicClient.getLogs({
        address: usdc,
        event: transferEvent,
        args: { to: payTo },
        fromBlock: 0n,
      })
      return logs.map((log) => ({ transactionHash: log.transactionHash, value: log.args.value! }))
    },
    async stop() {
      mining = false
      await miner
      await node.stop()
    },
  }
}

/** ERC-20 balance read, for assertions. */
export function balanceOf(env: EvmEnv, owner: Address): Promise<bigint> {
  return env.publicClient.readContract({
    address: env.usdc,
    abi: erc20Abi,
    functionName: 'balanceOf',
    args: [owner],
  })
}

/**
 * The Base plugin on the env's anvil, asking `payTo` for the test USDC: the chain every paid app
 * of the EVM client tests serves.
 *
 * @example const app = await startPaidApp({ chains: [usdcOnAnvil(env, env.freshPayTo())] })
 */
export function usdcOnAnvil(env: { node: AnvilNode; usdc: Address }, payTo: Address): ChainPlugin {
  return base({
    rpcUrl: env.node.rpcUrl,
    payTo,
    assets: [{ standard: 'erc20', address: env.usdc, symbol: 'USDC', decimals: 6 }],
  })
}
