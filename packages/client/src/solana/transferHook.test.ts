import assert from 'node:assert/strict'
import {
  getAssociatedTokenAddressSync,
  getExtraAccountMetaAddress,
  TOKEN_2022_PROGRAM_ID,
} from '@solana/spl-token'
import { type AccountMeta, Keypair, PublicKey, Transaction } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import { type AcceptOption, deriveReference } from '@tx402/core'
import { type TransferHookProgram, transferHookProgram } from '@tx402/testing/solana'
import bs58 from 'bs58'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { type PaidApp, startPaidApp } from '../test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from '../test/solanaEnv.js'

describe('solanaPayer pays a Token-2022 mint with a transfer hook (litesvm RPC)', function () {
  this.timeout(90_000)
  let env: SolanaEnv
  const apps: PaidApp[] = []
  // SPL Noop's own program id; the program loaded there is SPL Noop (or TX402_TRANSFER_HOOK_PROGRAM).
  const hookProgram = new PublicKey('noopb9bkMVfRPU8AsbpTUg8AQkHtKwMYZiFUjNRtMmV')
  // An account the hook's ExtraAccountMetaList names (an allow list, say).
  const allowList = Keypair.generate().publicKey
  let mint: PublicKey
  // A mint whose hook names a program that is not loaded: Token-2022 still resolves its accounts.
  let mintWithAbsentHook: PublicKey
  let program: TransferHookProgram

  before(async () => {
    // Fetched once with npm (cached under node_modules/.cache/tx402); absent offline.
    program = await transferHookProgram()
    if ('missing' in program)
      console.log(`tx402: paid transfer-hook tests skipped: ${program.missing}`)
    env = await startSolanaEnv()
    if ('path' in program) {
      type ProgramAddress = Parameters<typeof env.rpc.svm.addProgramFromFile>[0]
      env.rpc.svm.addProgramFromFile(hookProgram.toBase58() as ProgramAddress, program.path)
    }
    mint = env.rpc.createMint({
      decimals: 6,
      tokenProgram: 'token-2022',
      transferHook: { programId: hookProgram, extraAccounts: [allowList] },
    })
    env.rpc.mintTo({ mint, owner: env.payerKeypair.publicKey, amount: 1_000_000n })
    mintWithAbsentHook = env.rpc.createMint({
      decimals: 6,
      tokenProgram: 'token-2022',
      transferHook: { programId: Keypair.generate().publicKey, extraAccounts: [allowList] },
    })
    env.rpc.mintTo({
      mint: mintWithAbsentHook,
      owner: env.payerKeypair.publicKey,
      amount: 1_000_000n,
    })
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })

  const asset = (of = mint) =>
    ({ standard: 'spl', mint: of.toBase58(), symbol: 'HOOK', decimals: 6 }) as const
  const option = (payTo: PublicKey, of = mint): AcceptOption => ({
    chain: 'solana-local',
    network: env.rpc.network,
    asset: asset(of),
    amount: '10000',
    payTo: payTo.toBase58(),
    reference: bs58.encode(deriveReference('c1.test.challenge')),
    commitment: 'confirmed',
    maxAgeSeconds: 900,
  })

  it("carries the accounts the mint's on-chain ExtraAccountMetaList names, the hook program and the list", async () => {
    const payTo = Keypair.generate().publicKey
    const payment = await env.payer.sign(option(payTo))
    const tx = Transaction.from(Buffer.from(payment.serialized, 'base64'))
    const transfer = tx.instructions.find(
      (ix) => ix.programId.equals(TOKEN_2022_PROGRAM_ID) && ix.data[0] === 12,
    )
    assert.ok(transfer, 'a Token-2022 transferChecked')
    const keys = transfer.keys.map((key) => key.pubkey.toBase58())
    const source = getAssociatedTokenAddressSync(
      mint,
      env.payerKeypair.publicKey,
      true,
      TOKEN_2022_PROGRAM_ID,
    )
    const destination = getAssociatedTokenAddressSync(mint, payTo, true, TOKEN_2022_PROGRAM_ID)
    assert.deepEqual(keys.slice(0, 4), [
      source.toBase58(),
      mint.toBase58(),
      destination.toBase58(),
      env.payerKeypair.publicKey.toBase58(),
    ])
    const validation = getExtraAccountMetaAddress(mint, hookProgram)
    for (const extra of [allowList, hookProgram, validation]) {
      const meta: AccountMeta | undefined = transfer.keys.find((key) => key.pubkey.equals(extra))
      assert.ok(meta, `the transfer carries ${extra.toBase58()}`)
      assert.equal(meta.isSigner, false)
      assert.equal(meta.isWritable, false)
    }
    // The challenge's reference is still a key of the transfer.
    assert.ok(keys.includes(option(payTo).reference!))
  })

  it("gets past Token-2022's own resolution of the hook's accounts to the hook's Execute", async () => {
    // With the hook's program absent, Token-2022 (the real program) resolves the accounts the
    // on-chain list names from the instruction, then fails calling the missing program; a
    // transfer without them fails earlier: "An account required by the instruction is missing".
    const payment = await env.payer.sign(option(Keypair.generate().publicKey, mintWithAbsentHook))
    const logs = await env.connection
      .sendRawTransaction(Buffer.from(payment.serialized, 'base64'))
      .then(
        () => assert.fail('no hook program is loaded: the transfer cannot succeed'),
        (error: { logs?: string[] }) => error.logs ?? [],
      )
    const token2022 = TOKEN_2022_PROGRAM_ID.toBase58()
    assert.ok(logs.includes(`Program ${token2022} failed: Unsupported program id`), logs.join('\n'))
    assert.ok(!logs.some((line) => /account required by the instruction is missing/.test(line)))
  })

  const balance = async (owner: PublicKey) => {
    const account = getAssociatedTokenAddressSync(mint, owner, true, TOKEN_2022_PROGRAM_ID)
    if (!(await env.connection.getAccountInfo(account))) return 0n
    return BigInt((await env.connection.getTokenAccountBalance(account)).value.amount)
  }

  it('is served once with one transfer through callPaidEndpoint, the hook program executing', async function () {
    if ('missing' in program) this.skip()
    const payTo = Keypair.generate()
    let handlerRuns = 0
    const app = await startPaidApp({
      chains: [
        solana({
          rpcUrl: env.rpc.rpcUrl,
          network: env.rpc.network,
          payTo: payTo.publicKey.toBase58(),
          assets: [{ ...asset(), tokenProgram: 'token-2022' }],
        }),
      ],
      asset: 'HOOK',
      routes: (router, paid) => {
        router.get('/api/hooked', paid, (ctx) => {
          handlerRuns += 1
          ctx.body = { paidWith: ctx.state.payment?.transaction }
        })
      },
    })
    apps.push(app)
    const payerBefore = await balance(env.payerKeypair.publicKey)

    const response = await callPaidEndpoint(
      `${app.origin}/api/hooked`,
      {},
      { payers: [env.payer], journal: memoryJournal(), maxAmount: { [mint.toBase58()]: '0.10' } },
    )

    assert.equal(response.status, 200)
    assert.equal(handlerRuns, 1, 'served once')
    const { paidWith } = (await response.json()) as { paidWith: string }
    assert.deepEqual(app.presented.filter(Boolean), [paidWith], 'one payment presented')
    assert.equal(await balance(payTo.publicKey), 10_000n, 'payTo received the price once')
    assert.equal(payerBefore - (await balance(env.payerKeypair.publicKey)), 10_000n, 'one transfer')
    // Token-2022 called the hook program (its Execute, a CPI) within that transfer.
    const landed = await env.connection.getParsedTransaction(paidWith, {
      commitment: 'confirmed',
      maxSupportedTransactionVersion: 0,
    })
    assert.equal(landed?.meta?.err, null)
    const logs = landed?.meta?.logMessages ?? []
    assert.ok(logs.includes(`Program ${hookProgram.toBase58()} invoke [2]`), logs.join('\n'))
  })

  it("fails on chain, moving nothing, when the transfer lacks the hook's accounts", async function () {
    // What a payer without them (the code before the hook accounts were added) sends.
    if ('missing' in program) this.skip()
    const payTo = Keypair.generate().publicKey
    const payment = await env.payer.sign(option(payTo))
    const tx = Transaction.from(Buffer.from(payment.serialized, 'base64'))
    const hookAccounts = [allowList, hookProgram, getExtraAccountMetaAddress(mint, hookProgram)]
    for (const ix of tx.instructions) {
      if (!ix.programId.equals(TOKEN_2022_PROGRAM_ID)) continue
      ix.keys = ix.keys.filter((key) => !hookAccounts.some((hook) => hook.equals(key.pubkey)))
    }
    tx.signatures = []
    tx.sign(env.payerKeypair)
    const payerBefore = await balance(env.payerKeypair.publicKey)

    const logs = await env.connection.sendRawTransaction(tx.serialize()).then(
      () => assert.fail("a transfer without the hook's accounts cannot succeed"),
      (error: { logs?: string[] }) => error.logs ?? [],
    )

    assert.ok(
      logs.some((line) => /account required by the instruction is missing/.test(line)),
      logs.join('\n'),
    )
    assert.equal(await balance(env.payerKeypair.publicKey), payerBefore)
    assert.equal(await balance(payTo), 0n)
  })
})
