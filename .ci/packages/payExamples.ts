// Runs the installed examples against anvil: each server (ESM, CommonJS) answers 402, is paid by
// an ERC-20 transfer (200), refuses the same transaction again (tx_already_used), and the
// TypeScript agent pays the ESM server through callPaidEndpoint. Run by .ci/packages.sh:
//   tsx .ci/packages/payExamples.ts <scratch app dir>
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'

const app = process.argv[2]
if (!app) throw new Error('usage: payExamples.ts <scratch app dir>')

const node = await startAnvil({ chainId: 8453 })
const children: ChildProcess[] = []
try {
  const payer = node.accounts[1]!
  const payTo = node.accounts[9]!.address
  const usdc = await deployTestToken(node, { mint: [[payer.address, 100_000_000n]] })
  const env = {
    ...process.env,
    PORT: '0',
    BASE_RPC_URL: node.rpcUrl,
    BASE_USDC: usdc,
    BASE_PAY_TO: payTo,
    TX402_SECRET: 'examples-check-secret-of-32-bytes-or-more',
  }

  const start = async (dir: string, file: string): Promise<string> => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'tx402-example-')), 'data')
    const child = spawn(process.execPath, [file], {
      cwd: join(app, 'examples', dir),
      env: { ...env, TX402_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    children.push(child)
    const lines = createInterface({ input: child.stdout! })
    for await (const line of lines) {
      const url = /listening on (\S+)/.exec(line)?.[1]
      if (url) return url
    }
    throw new Error(`${dir}/${file} exited before listening (code ${child.exitCode})`)
  }

  const payOnce = async (label: string, url: string) => {
    const health = await fetch(`${url}/api/health`)
    assert.equal(health.status, 200, `${label}: /api/health`)
    const unpaid = await fetch(`${url}/api/weather`)
    assert.equal(unpaid.status, 402, `${label}: unpaid request`)
    const { accepts } = (await unpaid.json()) as { accepts: { amount: string; payTo: string }[] }
    const hash = await node.wallet(1).writeContract({
      address: usdc,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [accepts[0]!.payTo as `0x${string}`, BigInt(accepts[0]!.amount)],
    })
    await node.publicClient.waitForTransactionReceipt({ hash })
    const headers = { 'x-payment-tx': hash, 'x-payment-chain': 'base' }
    const first = await fetch(`${url}/api/weather`, { headers })
    const firstBody = await first.text()
    assert.equal(first.status, 200, `${label}: paid request answered ${firstBody}`)
    console.log(`${label}: 200 ${firstBody}`)
    const replay = await fetch(`${url}/api/weather`, { headers })
    const replayBody = (await replay.json()) as { error: string }
    assert.equal(replay.status, 402, `${label}: replay`)
    assert.equal(replayBody.error, 'tx_already_used', `${label}: replay`)
    console.log(`${label}: replay 402 ${replayBody.error}`)
  }

  const esm = await start('koa-server-esm', 'server.mjs')
  await payOnce('ESM server (server.mjs)', esm)
  const cjs = await start('koa-server-cjs', 'server.cjs')
  await payOnce('CommonJS server (server.cjs)', cjs)

  const agent = spawn(process.execPath, ['agent.js'], {
    cwd: join(app, 'examples', 'agent-ts'),
    env: { ...env, API_URL: `${esm}/api/weather`, PAYER_KEY: payer.privateKey },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  children.push(agent)
  let output = ''
  agent.stdout!.on('data', (chunk) => {
    output += chunk
  })
  const code = await new Promise((resolve) => agent.once('exit', resolve))
  assert.equal(code, 0, `the agent exited with ${code}: ${output}`)
  assert.match(output, /^200 /m)
  console.log(`TypeScript agent (callPaidEndpoint): ${output.trim().split('\n')[0]}`)
} finally {
  for (const child of children) child.kill()
  await node.stop()
}
