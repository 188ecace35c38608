import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { deployTestToken, startAnvil } from '@tx402/testing/evm'
import { type DocBlock, tagValue } from './blocks.js'
import { scratchDir } from './compile.js'

/** What one program of a run group printed, and how it ended. */
export interface ProgramOutput {
  block: DocBlock
  stdout: string
  stderr: string
  /** Exit code; undefined for a `serve` program the runner stopped. */
  code: number | null | undefined
}

/**
 * The environment every program of a run group gets, on top of the runner's own: one local
 * EVM chain standing in for Base (anvil; chain id 84532, Base Sepolia, or the first block's
 * `chain-id=`), with a test USDC.
 * - `BASE_RPC_URL`: the anvil node.
 * - `BASE_USDC`: the test USDC's address (6 decimals).
 * - `BASE_PAY_TO`: a dev account that receives payments (no funds needed).
 * - `PAYER_KEY`: a dev account's private key holding 100 test USDC and 10,000 ETH.
 * - `TX402_SECRET`: 32 random bytes, hex.
 * - `PORT`: a free loopback port for the `serve` program; `API_URL`: `http://127.0.0.1:PORT`
 *   followed by the serving block's `path=` (default `/`).
 */
export type RunEnvironment = Record<
  'BASE_RPC_URL' | 'BASE_USDC' | 'BASE_PAY_TO' | 'PAYER_KEY' | 'TX402_SECRET' | 'PORT' | 'API_URL',
  string
>

const serveTimeoutMs = 90_000
const programTimeoutMs = 120_000

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

const where = (block: DocBlock) => `${block.file}:${block.line}`
const tail = (text: string) => text.split('\n').slice(-25).join('\n')

/**
 * Runs one page's `run=NAME` blocks against local chains, in page order, each as its own
 * program (`node --import tsx`, working directory a fresh scratch folder):
 * - a block tagged `serve` keeps running: the runner waits for its first line on stdout (print
 *   one once listening), runs the next blocks, and stops it at the end;
 * - any other block must exit 0 within 2 minutes, and print the text of its `expect=` tag, if
 *   it has one (e.g. `expect=200`).
 *
 * @returns what each program printed
 * @throws an Error naming the block's file:line, with its output, when a program fails, exits
 *   early, or misses its expected text
 * @example await runGroup(allBlocks().filter((b) => b.file === 'docs/quick-start.md' && b.run === 'quick-start'))
 */
export async function runGroup(blocks: DocBlock[]): Promise<ProgramOutput[]> {
  if (blocks.length === 0) throw new Error('runGroup: no blocks to run')
  const first = blocks[0]!
  const chainId = Number(tagValue(first, 'chain-id') ?? 84532)
  const node = await startAnvil({ chainId })
  const serving: Array<{ child: ChildProcess; output: ProgramOutput }> = []
  const outputs: ProgramOutput[] = []
  const dir = join(
    scratchDir,
    `run-${first.file.replace(/[^A-Za-z0-9]+/g, '_')}-${first.run ?? 'run'}-${process.pid}`,
  )
  try {
    const payer = node.accounts[1]!
    const usdc = await deployTestToken(node, { mint: [[payer.address, 100_000_000n]] })
    const port = String(await freePort())
    const servePath = tagValue(blocks.find((b) => b.tags.includes('serve')) ?? first, 'path') ?? '/'
    const env: RunEnvironment = {
      BASE_RPC_URL: node.rpcUrl,
      BASE_USDC: usdc,
      BASE_PAY_TO: node.accounts[2]!.address,
      PAYER_KEY: payer.privateKey,
      TX402_SECRET: randomBytes(32).toString('hex'),
      PORT: port,
      API_URL: `http://127.0.0.1:${port}${servePath}`,
    }
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
    for (const [index, block] of blocks.entries()) {
      const file = join(dir, `program${index + 1}.ts`)
      writeFileSync(file, `${block.code}\nexport {}\n`)
      const child = spawn(process.execPath, ['--import', 'tsx', file], {
        cwd: dir,
        env: { ...process.env, ...env, NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      const output: ProgramOutput = { block, stdout: '', stderr: '', code: undefined }
      outputs.push(output)
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        output.stdout += d
      })
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        output.stderr += d
      })
      const exited = new Promise<number | null>((resolveExit) =>
        child.once('exit', (code) => resolveExit(code)),
      )
      const failure = (why: string) =>
        new Error(
          `${where(block)} (run=${block.run}): ${why}\n--- stdout\n${tail(output.stdout)}\n--- stderr\n${tail(output.stderr)}`,
        )
      if (block.tags.includes('serve')) {
        serving.push({ child, output })
        const ready = await Promise.race([
          new Promise<'ready'>((resolveReady) => {
            const check = () => {
              if (output.stdout.includes('\n')) resolveReady('ready')
              else child.stdout!.once('data', check)
            }
            check()
          }),
          exited.then((code) => ({ code })),
          new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), serveTimeoutMs).unref()),
        ])
        if (ready === 'timeout')
          throw failure(
            `printed nothing within ${serveTimeoutMs / 1000} s (print a line once serving)`,
          )
        if (ready !== 'ready') throw failure(`exited (code ${ready.code}) instead of serving`)
        continue
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), programTimeoutMs)
      output.code = await exited
      clearTimeout(timer)
      if (output.code !== 0) throw failure(`exited with code ${output.code}`)
      const expected = tagValue(block, 'expect')
      if (expected && !output.stdout.includes(expected))
        throw failure(`did not print "${expected}"`)
    }
    return outputs
  } finally {
    for (const { child } of serving.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await gone
      }
    }
    await node.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}
