import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PaymentRequiredOptions } from '@tx402/koa'
import { type Address, parseTransaction } from 'viem'
import { callPaidEndpoint } from './callPaidEndpoint.js'
import { PaymentFailedError } from './errors.js'
import { memoryJournal } from './journal/memoryJournal.js'
import type { JournalEntry, PaymentJournal } from './journal/types.js'
import { type EvmEnv, startEvmEnv, usdcOnAnvil } from './test/evmEnv.js'
import { fileJournal } from './test/fileJournal.js'
import { type PaidApp, paymentResponse, startPaidApp } from './test/paidApp.js'
import { signUnsent } from './test/signUnsent.js'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const childScript = fileURLToPath(new URL('./test/payAndDie.ts', import.meta.url))

/** Runs payAndDie.ts in a child Node process; resolves with the signal that ended it. */
function payAndDie(env: Record<string, string>): Promise<NodeJS.Signals | number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${stderr}`))
      else resolve(signal)
    })
  })
}

describe('payment journal recovery', function () {
  this.timeout(60_000)
  let env: EvmEnv
  let dir: string
  const apps: PaidApp[] = []

  before(async () => {
    env = await startEvmEnv(8453, 2)
    dir = mkdtempSync(join(tmpdir(), 'tx402-journal-'))
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const serve = async (payTo: Address, engine: Partial<PaymentRequiredOptions> = {}) => {
    const app = await startPaidApp({
      engine,
      chains: [usdcOnAnvil(env, payTo)],
    })
    apps.push(app)
    return app
  }

  for (const dieAfter of ['broadcast', 'signed'] as const) {
    it(`presents the journaled transaction of a process killed after the ${dieAfter} record`, async () => {
      const payTo = env.freshPayTo()
      const app = await serve(payTo)
      const path = join(dir, `${dieAfter}.json`)
      const signal = await payAndDie({
        TX402_URL: app.url,
        RPC_URL: env.node.rpcUrl,
        CHAIN_ID: '8453',
        PRIVATE_KEY: env.node.accounts[2]!.privateKey,
        TOKEN: env.usdc,
        JOURNAL: path,
        DIE_AFTER: dieAfter,
      })
      assert.equal(signal, 'SIGKILL')
      const journal = fileJournal(path)
      const [left] = await journal.list()
      assert.equal(left?.state, dieAfter)
      const onChainBefore = await env.transfersTo(payTo)
      assert.equal(onChainBefore.length, dieAfter === 'broadcast' ? 1 : 0)

      const response = await callPaidEndpoint(app.url, {}, { payers: [env.payer], journal })
      assert.equal(response.status, 200)
      const { transaction } = paymentResponse(response.headers)
      // The same signed transaction, not a second payment.
      assert.equal(transaction, left!.payment.txId)
      const transfers = await env.transfersTo(payTo)
      assert.deepEqual(
        transfers.map((t) => t.transactionHash),
        [left!.payment.txId],
      )
      assert.deepEqual(await journal.list(), [])
    })
  }

  it('pays afresh when a journaled transaction can never land (its nonce was used)', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo)
    const journal = memoryJournal()
    // A crash after signing, before broadcast: the entry is journaled, the bytes never sent.
    const payment = await signUnsent(app.url, env.payer, journal)
    await env.takeNextNonce()
    assert.equal(parseTransaction(payment.serialized as `0x${string}`).nonce, payment.validUntil)

    const response = await callPaidEndpoint(app.url, {}, { payers: [env.payer], journal })
    assert.equal(response.status, 200)
    const { transaction } = paymentResponse(response.headers)
    assert.notEqual(transaction, payment.txId)
    assert.deepEqual(
      (await env.transfersTo(payTo)).map((t) => t.transactionHash),
      [transaction],
    )
  })

  it('gets a served GET re-delivered, not paid again, when the journal failed to forget it', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo)
    // A journal that loses its deletes: as if the process died after being served.
    const inner = memoryJournal()
    const forgetful: PaymentJournal = { ...inner, delete: async () => {} }
    const options = { payers: [env.payer], journal: forgetful }
    const first = await callPaidEndpoint(app.url, {}, options)
    const stale = (await inner.list()) as JournalEntry[]
    assert.equal(stale.length, 1)
    const second = await callPaidEndpoint(app.url, {}, options)
    assert.equal(first.status, 200)
    assert.equal(second.status, 200)
    const [paid, again] = [first, second].map((r) => paymentResponse(r.headers))
    assert.equal(again!.transaction, paid!.transaction)
    assert.equal(again!.redelivered, true)
    assert.deepEqual(
      (await env.transfersTo(payTo)).map((t) => t.transactionHash),
      [paid!.transaction],
    )
  })

  it('pays once against a fresh challenge when the journaled one was already used', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo, { redeliveryWindowSeconds: 0 })
    const inner = memoryJournal()
    const forgetful: PaymentJournal = { ...inner, delete: async () => {} }
    const options = { payers: [env.payer], journal: forgetful }
    const first = await callPaidEndpoint(app.url, {}, options)
    const second = await callPaidEndpoint(app.url, {}, options)
    assert.equal(first.status, 200)
    assert.equal(second.status, 200)
    const paidWith = [first, second].map((r) => paymentResponse(r.headers).transaction)
    assert.notEqual(paidWith[0], paidWith[1])
    assert.deepEqual(
      (await env.transfersTo(payTo)).map((t) => t.transactionHash),
      paidWith,
    )
  })

  it('fails with PaymentFailedError and drops the entry when the node refuses the signed bytes', async () => {
    const payTo = env.freshPayTo()
    const app = await serve(payTo)
    const inner = memoryJournal()
    // Between signing and broadcast, another transaction takes the payment's nonce.
    const journal: PaymentJournal = {
      ...inner,
      async put(entry) {
        await inner.put(entry)
        if (entry.state === 'signed') await env.takeNextNonce()
      },
    }
    await assert.rejects(
      callPaidEndpoint(app.url, {}, { payers: [env.payer], journal }),
      (e: unknown) => e instanceof PaymentFailedError && /nothing was paid/.test(e.message),
    )
    assert.deepEqual(await inner.list(), [])
    assert.deepEqual(await env.transfersTo(payTo), [])
  })
})
