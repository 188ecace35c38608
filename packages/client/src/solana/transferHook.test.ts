import assert from 'node:assert/strict'
import {
  getAssociatedTokenAddressSync,
  getExtraAccountMetaAddress,
  TOKEN_2022_PROGRAM_ID,
} from '@solana/spl-token'
import { type AccountMeta, Keypair, type PublicKey, Transaction } from '@solana/web3.js'
import { solana } from '@tx402/chain-solana'
import { type AcceptOption, deriveReference } from '@tx402/core'
import bs58 from 'bs58'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { memoryJournal } from '../journal/memoryJournal.js'
import { type PaidApp, startPaidApp } from '../test/paidApp.js'
import { type SolanaEnv, startSolanaEnv } from '../test/solanaEnv.js'

// A compiled transfer-hook program (an SPL transfer-hook-interface program, .so): the paid run
// needs one loaded. None ships in an npm package this repository can depend on (see
// docs/architecture.md); set the path to run it.
const hookProgramPath = process.env.TX402_TRANSFER_HOOK_PROGRAM

describe('solanaPayer pays a Token-2022 mint with a transfer hook (litesvm RPC)', function () {
  this.timeout(60_000)
  let env: SolanaEnv
  const apps: PaidApp[] = []
  const hookProgram = Keypair.generate().publicKey
  // An account the hook's ExtraAccountMetaList names (an allow list, say).
  const allowList = Keypair.generate().publicKey
  let mint: PublicKey

  before(async () => {
    env = await startSolanaEnv()
    if (hookProgramPath) {
      type ProgramAddress = Parameters<typeof env.rpc.svm.addProgramFromFile>[0]
      env.rpc.svm.addProgramFromFile(hookProgram.toBase58() as ProgramAddress, hookProgramPath)
    }
    mint = env.rpc.createMint({
      decimals: 6,
      tokenProgram: 'token-2022',
      transferHook: { programId: hookProgram, extraAccounts: [allowList] },
    })
    env.rpc.mintTo({ mint, owner: env.payerKeypair.publicKey, amount: 1_000_000n })
  })
  after(async () => {
    await Promise.all(apps.map((app) => app.stop()))
    await env?.stop()
  })

  const asset = () =>
    ({ standard: 'spl', mint: mint.toBase58(), symbol: 'HOOK', decimals: 6 }) as const
  const option = (payTo: PublicKey): AcceptOption => ({
    chain: 'solana-local',
    network: env.rpc.network,
    asset: asset(),
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

  it("gets past Token-2022's own resolution of the hook's accounts to the hook's Execute", async function () {
    // With no hook program loaded, Token-2022 (the real program) resolves the accounts the
    // on-chain list names from the instruction, then fails calling the missing program; a
    // transfer without them fails earlier: "An account required by the instruction is missing".
    if (hookProgramPath) this.skip()
    const payment = await env.payer.sign(option(Keypair.generate().publicKey))
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

  it('is served once with one transfer through callPaidEndpoint, the hook program executing', async function () {
    if (!hookProgramPath) this.skip()
    const payTo = Keypair.generate()
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
    })
    apps.push(app)
    const balance = async (owner: PublicKey) => {
      const account = getAssociatedTokenAddressSync(mint, owner, true, TOKEN_2022_PROGRAM_ID)
      const info = await env.connection.getAccountInfo(account)
      if (!info) return 0n
      return BigInt((await env.connection.getTokenAccountBalance(account)).value.amount)
    }
    const before = await balance(env.payerKeypair.publicKey)

    const response = await callPaidEndpoint(
      app.url,
      {},
      { payers: [env.payer], journal: memoryJournal(), maxAmount: { [mint.toBase58()]: '0.10' } },
    )

    assert.equal(response.status, 200)
    assert.equal(await balance(payTo.publicKey), 10_000n)
    assert.equal(before - (await balance(env.payerKeypair.publicKey)), 10_000n, 'one transfer')
    assert.equal(app.presented.filter(Boolean).length, 1)
  })
})
