import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Keypair } from '@solana/web3.js'
import { type AnvilNode, deployTestToken, startAnvil } from '@tx402/testing/evm'
import { type SolanaRpc, startSolanaRpc } from '@tx402/testing/solana'
import type { DemoConfig } from './config.js'

/** Local chains for the demo: two anvil nodes with a test USDC, and a litesvm Solana RPC. */
export interface LocalChains {
  base: { node: AnvilNode; usdc: `0x${string}` }
  avalanche: { node: AnvilNode; usdc: `0x${string}` }
  solana: { rpc: SolanaRpc; usdcMint: string; agent: Keypair; payTo: string }
  /** The demo API's configuration pointing at these chains, with a fresh embedded ledger. */
  config: DemoConfig
  stop(): Promise<void>
}

/** Test USDC minted to the agent on each chain: 100 USDC. */
const agentFunds = 100_000_000n

/**
 * Starts the demo's chains and funds the agent: on EVM, dev account 1 pays and account 2 is the
 * service's wallet; on Solana, a new keypair pays a new wallet.
 *
 * @example const chains = await startLocalChains((step) => console.log(step))
 */
export async function startLocalChains(
  log: (line: string) => void,
  port = 0,
): Promise<LocalChains> {
  const stops: Array<() => Promise<void> | void> = []
  const stop = async () => {
    for (const step of stops.reverse()) await step()
  }
  try {
    const evm = async (label: string, chainId: number) => {
      log(`starting anvil for ${label} (chain id ${chainId})`)
      const node = await startAnvil({ chainId })
      stops.push(() => node.stop())
      const usdc = await deployTestToken(node, {
        mint: [
          [node.accounts[1]!.address, agentFunds],
          [node.accounts[3]!.address, agentFunds], // the browser page's wallet
        ],
      })
      log(
        `  ${node.rpcUrl}: test USDC ${usdc}, 100 USDC minted to the agent ${node.accounts[1]!.address}`,
      )
      return { node, usdc }
    }
    const base = await evm('Base', 8453)
    const avalanche = await evm('Avalanche C-Chain', 43114)

    log('starting the Solana RPC over litesvm')
    const rpc = await startSolanaRpc({ landAt: 'finalized' })
    stops.push(() => rpc.stop())
    const agent = Keypair.generate()
    const payTo = Keypair.generate().publicKey.toBase58()
    rpc.fund(agent.publicKey, 10_000_000_000n)
    const mint = rpc.createMint({ decimals: 6 })
    rpc.mintTo({ mint, owner: agent.publicKey, amount: agentFunds })
    log(
      `  ${rpc.rpcUrl}: test USDC mint ${mint.toBase58()}, 100 USDC and 10 SOL to the agent ${agent.publicKey.toBase58()}`,
    )

    const dataDir = mkdtempSync(join(tmpdir(), 'tx402-demo-'))
    // Local chains restart from the same state each run, so the same payment has the same hash:
    // a fresh ledger per run keeps one run's payments from being replays in the next.
    stops.push(() => rmSync(dataDir, { recursive: true, force: true }))

    const config: DemoConfig = {
      port,
      secret: Keypair.generate().publicKey.toBase58().padEnd(44, '0'),
      secretGenerated: true,
      ledger: { kind: 'embedded', dataDir },
      priceWeather: '0.01',
      priceEncrypt: '0.10',
      base: {
        rpcUrl: base.node.rpcUrl,
        chainId: 8453,
        token: base.usdc,
        tokenDecimals: 6,
        payTo: base.node.accounts[2]!.address,
        confirmations: 1,
      },
      avalanche: {
        rpcUrl: avalanche.node.rpcUrl,
        chainId: 43114,
        token: avalanche.usdc,
        tokenDecimals: 6,
        payTo: avalanche.node.accounts[2]!.address,
        confirmations: 1,
      },
      solana: {
        rpcUrl: rpc.rpcUrl,
        network: rpc.network as `solana:${string}`,
        mint: mint.toBase58(),
        mintDecimals: 6,
        payTo,
        commitment: 'confirmed',
      },
    }
    return {
      base,
      avalanche,
      solana: { rpc, usdcMint: mint.toBase58(), agent, payTo },
      config,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
