// Runs the installed examples against anvil: each server (ESM, CommonJS) answers 402, is paid by
// an ERC-20 transfer with the challenge and the payer's proof (200; payments are bound to their
// payer by default), serves the payer's own retry again as a re-delivery, answers the same
// transaction and proof on the other paid route tx_already_used, refuses the transaction hash
// alone (proof_invalid), and the TypeScript agent pays the ESM server through
// callPaidEndpoint. Run by .ci/packages.sh:
//   tsx .ci/packages/payExamples.ts <scratch app dir>
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { deployTestToken, startAnvil, testTokenAbi } from '@tx402/testing/evm'

const app = process.argv[2]
if (!app) throw new Error('usage: payExamples.ts <scratch app dir>')

// The proof message as the installed @tx402/core builds it (the packed build, not the workspace).
const { proofMessage } = (await import(
  pathToFileURL(join(app, 'node_modules', '@tx402', 'core', 'dist', 'index.js')).href
)) as { proofMessage(parts: { network: string; txId: string; challengeId?: string }): string }

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
    const { accepts, challenge } = (await unpaid.json()) as {
      accepts: { amount: string; payTo: string; network: string }[]
      challenge: { id: string }
    }
    const hash = await node.wallet(1).writeContract({
      address: usdc,
      abi: testTokenAbi,
      functionName: 'transfer',
      args: [accepts[0]!.payTo as `0x${string}`, BigInt(accepts[0]!.amount)],
    })
    await node.publicClient.waitForTransactionReceipt({ hash })
    const proof = await node.wallet(1).signMessage({
      message: proofMessage({
        network: accepts[0]!.network,
        txId: hash,
        challengeId: challenge.id,
      }),
    })
    const headers = {
      'x-payment-tx': hash,
      'x-payment-chain': 'base',
      'x-payment-challenge': challenge.id,
      'x-payment-proof': proof,
    }
    const first = await fetch(`${url}/api/weather`, { headers })
    const firstBody = await first.text()
    assert.equal(first.status, 200, `${label}: paid request answered ${firstBody}`)
    console.log(`${label}: 200 ${firstBody}`)
    // The payer's own headers again: a lost response is re-delivered, not charged again.
    const again = await fetch(`${url}/api/weather`, { headers })
    await again.text()
    assert.equal(again.status, 200, `${label}: re-delivery`)
    assert.match(
      Buffer.from(again.headers.get('payment-response') ?? '', 'base64').toString(),
      /"redelivered":true/,
      `${label}: re-delivery`,
    )
    // The payer itself, bound by its proof, spending the same transaction on the other paid
    // route: the payment bought /api/weather, so it is used (protocol.md section 6.2).
    const elsewhere = await fetch(`${url}/api/forecast`, {
      headers: {
        'x-payment-tx': hash,
        'x-payment-chain': 'base',
        'x-payment-proof': await node.wallet(1).signMessage({
          message: proofMessage({ network: accepts[0]!.network, txId: hash }),
        }),
      },
    })
    const elsewhereBody = (await elsewhere.json()) as { error: string }
    assert.equal(elsewhere.status, 402, `${label}: the same payment on /api/forecast`)
    assert.equal(elsewhereBody.error, 'tx_already_used', `${label}: the same payment elsewhere`)
    console.log(`${label}: the same transaction and proof on /api/forecast: 402 tx_already_used`)
    // The hash alone, as an observer of the chain has it: refused.
    const observed = await fetch(`${url}/api/weather`, {
      headers: { 'x-payment-tx': hash, 'x-payment-chain': 'base' },
    })
    const observedBody = (await observed.json()) as { error: string }
    assert.equal(observed.status, 402, `${label}: hash alone`)
    assert.equal(observedBody.error, 'proof_invalid', `${label}: hash alone`)
    console.log(`${label}: re-delivered to the payer; hash alone 402 ${observedBody.error}`)
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
