import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'

/** anvil's default mnemonic: its dev accounts, funded with 10,000 ETH each. */
const anvilMnemonic = 'test test test test test test test test test test test junk'

/** A funded dev account of an anvil node. */
export interface TestAccount {
  address: Hex
  privateKey: Hex
}

/** A running anvil node on a loopback port, with viem clients bound to it. */
export interface AnvilNode {
  /** `http://127.0.0.1:<port>`. */
  rpcUrl: string
  chainId: number
  /** A viem chain for `chainId`, pointing at `rpcUrl`. */
  chain: Chain
  /** The node's funded dev accounts (anvil's default mnemonic), with private keys. */
  accounts: readonly TestAccount[]
  publicClient: PublicClient<Transport, Chain>
  /** anvil's test actions: `mine`, `increaseTime`, `setAutomine`… */
  testClient: TestClient<'anvil', Transport, Chain>
  /** A wallet client signing locally with dev account `index` (default 0) or a given account. */
  wallet(account?: number | Account): WalletClient<Transport, Chain, Account>
  /** Stops the node and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>
}

/** Options of `startAnvil`. */
export interface StartAnvilOptions {
  /** The chain id the node reports. Default 31337. */
  chainId?: number
  /** Dev accounts to create. Default 10. */
  accounts?: number
  /**
   * Blocks per epoch: anvil's `safe` head is this many blocks behind `latest`, `finalized` twice
   * as many. Default 32 (anvil's own).
   */
  slotsInAnEpoch?: number
  /** How long to wait for the node to listen, in ms. Default 30000. */
  startTimeoutMs?: number
}

const running = new Set<ChildProcess>()
let exitHookInstalled = false

/**
 * Starts an anvil node (from npm `@foundry-rs/anvil`) on a free loopback port. A wrapper shell
 * kills the node when this process ends, even by a crash; still stop it in an `after` hook.
 *
 * @example
 * const node = await startAnvil({ chainId: 8453 })
 * after(() => node.stop())
 * const hash = await node.wallet(1).sendTransaction({ to: node.accounts[2]!.address, value: 1n })
 */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<AnvilNode> {
  const chainId = options.chainId ?? 31337
  const accountCount = options.accounts ?? 10
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--chain-id',
    String(chainId),
    '--accounts',
    String(accountCount),
    '--slots-in-an-epoch',
    String(options.slotsInAnEpoch ?? 32),
  ]
  // The shell waits for its stdin to close (this process exiting, however it ends) and then
  // kills anvil, so no node outlives the test run.
  const child = spawn(
    '/bin/sh',
    [
      '-c',
      '"$0" "$@" & pid=$!; trap \'kill $pid 2>/dev/null; exit 0\' TERM INT HUP; cat >/dev/null; kill $pid 2>/dev/null; wait $pid',
      anvilBinary(),
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  )
  track(child)
  const port = await waitForPort(child, options.startTimeoutMs ?? 30_000).catch(async (error) => {
    await kill(child)
    throw error
  })
  const rpcUrl = `http://127.0.0.1:${port}`
  const chain = defineChain({
    id: chainId,
    name: `anvil ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
  const accounts = Array.from({ length: accountCount }, (_, addressIndex) => {
    const account = mnemonicToAccount(anvilMnemonic, { addressIndex })
    return { address: account.address, privateKey: toHex(account.getHdKey().privateKey!) }
  })
  const transport = http(rpcUrl, { retryCount: 0 })
  return {
    rpcUrl,
    chainId,
    chain,
    accounts,
    publicClient: createPublicClient({ chain, transport, cacheTime: 0 }),
    testClient: createTestClient({ chain, mode: 'anvil', transport }),
    wallet(account = 0) {
      const signer =
        typeof account === 'number' ? privateKeyToAccount(accounts[account]!.privateKey) : account
      return createWalletClient({ account: signer, chain, transport })
    },
    stop: () => kill(child),
  }
}

function anvilBinary(): string {
  const platforms: Record<string, string> = {
    'linux-x64': 'anvil-linux-amd64',
    'linux-arm64': 'anvil-linux-arm64',
    'darwin-x64': 'anvil-darwin-amd64',
    'darwin-arm64': 'anvil-darwin-arm64',
  }
  const platformPackage = platforms[`${process.platform}-${process.arch}`]
  if (!platformPackage)
    throw new Error(`anvil is not shipped for ${process.platform}-${process.arch}`)
  // The binary ships in a platform package that only @foundry-rs/anvil depends on (pnpm keeps it
  // out of this package's node_modules), so resolve it from there.
  const fromAnvil = createRequire(
    createRequire(import.meta.url).resolve('@foundry-rs/anvil/package.json'),
  )
  return fromAnvil.resolve(`@foundry-rs/${platformPackage}/bin/anvil`)
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = ''
    const timer = setTimeout(
      () => fail(new Error(`anvil did not listen within ${timeoutMs} ms`)),
      timeoutMs,
    )
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000)
      const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output)
      if (match) {
        cleanup()
        // Keep draining: anvil logs every request, and a full pipe would stall it.
        child.stdout!.resume()
        resolve(Number(match[1]))
      }
    }
    const onExit = (code: number | null) =>
      fail(new Error(`anvil exited (${code}) before listening:\n${output}`))
    const fail = (error: Error) => {
      cleanup()
      reject(error)
    }
    const cleanup = () => {
      clearTimeout(timer)
      child.stdout!.off('data', onData)
      child.stderr!.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', onExit)
  }).finally(() => {
    child.stdout!.resume()
    child.stderr!.resume()
  }) as Promise<number>
}

function track(child: ChildProcess): void {
  running.add(child)
  child.once('exit', () => running.delete(child))
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // Closing a wrapper's stdin makes it kill its anvil; the OS also closes it if we crash.
    process.once('exit', () => {
      for (const node of running) node.stdin?.destroy()
    })
  }
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    // Closing stdin makes the wrapper kill anvil and wait for it.
    child.stdin!.end()
  })
}
