import { type AnvilNode, deployTestToken, startAnvil } from '@tx402/testing/evm'
import {
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hash,
  http,
  type PublicClient,
  parseAbiItem,
  type Transport,
  type WalletClient,
} from 'viem'
import { evmPayer } from '../evm/evmPayer.js'
import type { Payer } from '../payer.js'

/**
 * An anvil node standing in for a browser wallet's chain: the payer is one of anvil's unlocked
 * accounts, used through `eth_sendTransaction` (a JSON-RPC account, as a wallet extension is),
 * and blocks are mined only while `startMining()` runs (automine off), so a transaction can sit
 * pending and be sped up.
 */
export interface BrowserWalletEnv {
  node: AnvilNode
  usdc: Address
  /** The paying account: unlocked in anvil, never a private key in this process. */
  wallet: Address
  publicClient: PublicClient<Transport, Chain>
  walletClient: WalletClient<Transport, Chain>
  payer: Payer
  /** Mines a block every 100 ms until `stopMining()`. */
  startMining(): void
  stopMining(): Promise<void>
  /**
   * A wallet's "speed up": the same nonce, recipient, calldata and value, twice the fees, sent
   * with `eth_sendTransaction`; the node drops `hash` for it. Resolves with the new hash.
   */
  speedUp(hash: Hash): Promise<Hash>
  /** The hashes of the test USDC's Transfer logs to `payTo`: the payments on chain. */
  transfersTo(payTo: Address): Promise<string[]>
  stop(): Promise<void>
}

const transferEvent = parseAbiItem(
  'event Transfer(address indexed from, address indexed to, uint256 value)',
)

/** Starts anvil (Base's chain id), a test USDC funding `accounts[walletIndex]`, automine off. */
export async function startBrowserWalletEnv(walletIndex = 4): Promise<BrowserWalletEnv> {
  const node = await startAnvil({ chainId: 8453 })
  const wallet = node.accounts[walletIndex]!.address
  const usdc = await deployTestToken(node, { mint: [[wallet, 1_000_000_000n]] })
  await node.testClient.setAutomine(false)
  const transport = http(node.rpcUrl, { retryCount: 0 })
  const publicClient = createPublicClient({ chain: node.chain, transport, pollingInterval: 50 })
  // A JSON-RPC account: the node signs and sends, as a wallet extension does.
  const walletClient = createWalletClient({ account: wallet, chain: node.chain, transport })
  let miner: Promise<void> | undefined
  let mining = false
  const stopMining = async () => {
    mining = false
    await miner
    miner = undefined
  }
  return {
    node,
    usdc,
    wallet,
    publicClient,
    walletClient,
    payer: evmPayer({
      walletClient,
      publicClient,
      assets: [{ address: usdc, symbol: 'USDC', decimals: 6 }],
    }),
    startMining() {
      if (mining) return
      mining = true
      miner = (async () => {
        while (mining) {
          await node.testClient.mine({ blocks: 1 }).catch(() => undefined)
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      })()
    },
    stopMining,
    async speedUp(hash) {
      const sent = await publicClient.getTransaction({ hash })
      return walletClient.sendTransaction({
        account: wallet,
        chain: node.chain,
        to: sent.to!,
        data: sent.input,
        value: sent.value,
        nonce: sent.nonce,
        gas: sent.gas,
        maxFeePerGas: sent.maxFeePerGas! * 2n,
        maxPriorityFeePerGas: sent.maxPriorityFeePerGas! * 2n + 1n,
      })
    },
    async transfersTo(payTo) {
      const logs = await publicClient.getLogs({
        address: usdc,
        event: transferEvent,
        args: { to: payTo },
        fromBlock: 0n,
      })
      return logs.map((log) => log.transactionHash)
    },
    async stop() {
      await stopMining()
      await node.stop()
    },
  }
}
