import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PublicKey } from '@solana/web3.js'
import { type AnvilNode, deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'
import { type SolanaRpc, startSolanaRpc } from '@tx402/testing/solana'
import { type Hex, toHex } from 'viem'
import { readPageSteps } from './pageSteps.js'

// docs/local-to-mainnet.md, section "Testnet", run as written: its marked blocks, in order, in one
// bash session (as a reader's terminal), on local chains standing in for the testnets.
const repo = fileURLToPath(new URL('../../../', import.meta.url))
const page = `${repo}docs/local-to-mainnet.md`
const demoDir = `${repo}apps/demo-api/`
// What the page's steps leave in apps/demo-api; none may exist before, all are removed after.
const leftBehind = ['keys.ts', 'pay.ts', 'payer.env', 'payee.env', 'server.env', '.tx402-data']
const apiPort = 3402
type SvmAddress = Parameters<SolanaRpc['svm']['getAccount']>[0]

// The testnets as the page configures them.
const baseSepolia = { chainId: 84532, usdc: '0x036CbD53842c5426634e7929541eC2318f3dCF7e' } as const
const fuji = { chainId: 43113, usdc: '0x5425890298aed601595a70AB815c96711a31Bc65' } as const
const devnet = {
  genesisHash: 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG',
  usdc: '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
}

describe('docs/local-to-mainnet.md on local chains standing in for the testnets', function () {
  this.timeout(600_000)
  let base: AnvilNode | undefined
  let avalanche: AnvilNode | undefined
  let solana: SolanaRpc | undefined
  let session: Session | undefined

  // Set once the page's files are known to be this run's: a reader's own are never removed.
  let cleanUp = false

  before(async () => {
    // The page's API listens on 3402: another server there would answer the page's requests.
    if (await listening(apiPort)) throw new Error(`port ${apiPort} is in use: stop what is there.`)
    const present = leftBehind.filter((name) => existsSync(demoDir + name))
    // Never overwrite a reader's own keys: these files are the page's, made by a run of it.
    if (present.length) {
      throw new Error(`apps/demo-api already has ${present.join(', ')}: move them away first.`)
    }
    cleanUp = true
  })

  after(async () => {
    await session?.stop()
    await base?.stop()
    await avalanche?.stop()
    await solana?.stop()
    if (cleanUp) {
      for (const name of leftBehind) rmSync(demoDir + name, { recursive: true, force: true })
    }
  })

  it('gets a paid 200 on each testnet, and each replay refused, with every command of the page', async () => {
    const steps = readPageSteps(readFileSync(page, 'utf8'))
    assert.ok(steps.length >= 10, `the page's marked steps: ${steps.length}`)

    // The testnets: their chain ids and Circle's testnet USDC at its real address (anvil), devnet's
    // genesis hash and USDC mint (litesvm); blocks every second, as a testnet keeps producing them.
    base = await startAnvil({ chainId: baseSepolia.chainId })
    avalanche = await startAnvil({ chainId: fuji.chainId })
    await tokenAt(base, baseSepolia.usdc)
    await tokenAt(avalanche, fuji.usdc)
    solana = await startSolanaRpc({ genesisHash: devnet.genesisHash })
    const mint = solana.createMint({ decimals: 6 })
    const mintAccount = solana.svm.getAccount(mint.toBase58() as SvmAddress)
    assert.ok(mintAccount.exists)
    solana.svm.setAccount({ ...mintAccount, address: devnet.usdc as SvmAddress })

    // The only change to the page's text: its public RPC URLs become the local chains'.
    const rpcUrls: Record<string, string> = {
      'https://sepolia.base.org': base.rpcUrl,
      'https://api.avax-test.network/ext/bc/C/rpc': avalanche.rpcUrl,
      'https://api.devnet.solana.com': solana.rpcUrl,
    }
    const local = (text: string) =>
      Object.entries(rpcUrls).reduce((out, [from, to]) => out.split(from).join(to), text)

    session = startSession()
    for (const step of steps) {
      if (step.kind === 'file') {
        writeFileSync(repo + step.path, step.code)
      } else if (step.kind === 'faucet') {
        // Where the reader uses the faucets, the test mints on its chains.
        const payer = readEnvFile(`${demoDir}payer.env`)
        await fundEvm(base, baseSepolia.usdc, payer.PAYER_EVM_ADDRESS!)
        await fundEvm(avalanche, fuji.usdc, payer.PAYER_EVM_ADDRESS!)
        const owner = new PublicKey(payer.PAYER_SOLANA_ADDRESS!)
        solana.fund(owner, 1_000_000_000n)
        solana.mintTo({ mint: new PublicKey(devnet.usdc), owner, amount: 10_000_000n })
      } else {
        await session.run(local(step.code))
      }
    }
    const output = session.output()

    const paid = [...output.matchAll(/^200 \{"city":"Lisbon".*$/gm)]
    assert.equal(paid.length, 3, `a paid 200 per testnet:\n${output}`)
    for (const network of [
      'eip155:84532',
      'eip155:43113',
      `solana:${devnet.genesisHash.slice(0, 32)}`,
    ]) {
      assert.match(output, new RegExp(`^paid 10000 base units of USDC on ${network}: \\S+$`, 'm'))
    }
    const replays = [...output.matchAll(/^the same transaction again: (\d+) (\w+)$/gm)]
    assert.deepEqual(
      replays.map((m) => `${m[1]} ${m[2]}`),
      ['402 proof_invalid', '402 proof_invalid', '402 challenge_invalid'],
      output,
    )
    assert.match(output, /^ok {4}rpc base: answers and serves eip155:84532$/m)
    assert.match(output, /^ok {4}ledger: .*migrated/m)
    assert.doesNotMatch(output, /^FAIL /m)
    // Three payments consumed, listed from the ledger once the API stopped.
    assert.equal(output.match(/\bconsumed\b/g)?.length, 3, output)

    await session.stop()
    session = undefined
    assert.equal(await listening(apiPort), false, 'the API the page started still listens')
  })
})

/** A bash process fed the page's shell blocks one by one, as a reader's terminal. */
interface Session {
  run(code: string): Promise<void>
  output(): string
  stop(): Promise<void>
}

function startSession(): Session {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) =>
        !/^(TX402_|BASE_|AVALANCHE_|SOLANA_|PAYER_|PAYEE_|DATABASE_URL|REDIS_URL|PORT$|HOST$)/.test(
          name,
        ),
    ),
  )
  // A reader has pnpm on PATH; where this machine has none, the repository's own version stands in.
  const shims = mkdtempSync(join(tmpdir(), 'tx402-page-bin-'))
  writeFileSync(
    join(shims, 'pnpm'),
    '#!/bin/sh\nexec npx --prefer-offline -y pnpm@10.34.9 "$@"\n',
    { mode: 0o755 },
  )
  env.PATH = `${env.PATH}:${shims}`
  // Its own process group, so stopping it stops what the page started in the background.
  const child: ChildProcess = spawn('bash', [], {
    cwd: repo,
    env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  let exited: number | null | undefined
  const waiters: Array<() => void> = []
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter()
  }
  child.stdout!.on('data', (chunk) => {
    output += chunk
    wake()
  })
  child.stderr!.on('data', (chunk) => {
    output += chunk
  })
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code
      wake()
      resolve()
    }),
  )
  // A failing command ends the session, as `set -e` does; aliases as in an interactive shell.
  child.stdin!.write('set -eo pipefail\nshopt -s expand_aliases\n')
  let steps = 0
  return {
    async run(code) {
      const marker = `__page_step_${++steps}_done__`
      output += `\n$ ${code.trim().split('\n').join('\n$ ')}\n`
      child.stdin!.write(`${code}\necho ${marker}\n`)
      while (!output.includes(`${marker}\n`)) {
        if (exited !== undefined) {
          assert.fail(`the page's step failed (bash exited ${exited}):\n${code}\n\n${output}`)
        }
        await new Promise<void>((resolve) => waiters.push(resolve))
      }
      output = output.replace(`${marker}\n`, '')
    },
    output: () => output,
    async stop() {
      if (exited === undefined) {
        try {
          process.kill(-child.pid!, 'SIGTERM')
        } catch {}
        await exit
      }
      rmSync(shims, { recursive: true, force: true })
    },
  }
}

/** Puts a test ERC-20 (anyone may mint) at `address`, and mines a block every second. */
async function tokenAt(node: AnvilNode, address: Hex): Promise<void> {
  const deployed = await deployTestToken(node)
  const bytecode = await node.publicClient.getCode({ address: deployed })
  await node.testClient.setCode({ address, bytecode: bytecode! })
  // Its name and symbol (slots 0 and 1; decimals are in the code).
  for (const index of [toHex(0, { size: 32 }), toHex(1, { size: 32 })]) {
    const value = await node.publicClient.getStorageAt({ address: deployed, slot: index })
    await node.testClient.setStorageAt({ address, index, value: value! })
  }
  await node.testClient.setIntervalMining({ interval: 1 })
}

/** The local faucet: 1 ETH for fees and 10 USDC. */
async function fundEvm(node: AnvilNode, usdc: Hex, to: string): Promise<void> {
  await node.testClient.setBalance({ address: to as Hex, value: 10n ** 18n })
  const hash = await node.wallet(0).writeContract({
    address: usdc,
    abi: testTokenAbi,
    functionName: 'mint',
    args: [to as Hex, 10_000_000n],
  })
  await node.publicClient.waitForTransactionReceipt({ hash })
}

function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .flatMap((line) => {
        const at = line.indexOf('=')
        return at > 0 ? [[line.slice(0, at), line.slice(at + 1).replace(/^'|'$/g, '')]] : []
      }),
  )
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
