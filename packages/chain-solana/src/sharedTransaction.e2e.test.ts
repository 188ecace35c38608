import assert from 'node:assert/strict'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ed25519 } from '@noble/curves/ed25519'
import { Keypair, PublicKey } from '@solana/web3.js'
import {
  decodeBase64Json,
  memoryLedger,
  type PaymentRequiredBody,
  type PaymentResponse,
  proofMessage,
} from '@tx402/core'
import { paymentRequired } from '@tx402/koa'
import { sendTransfer } from '@tx402/testing/solana'
import bs58 from 'bs58'
import Koa from 'koa'
import { type LocalChain, startLocalChain } from './test/localChain.js'

// Two payers' transfers to one payTo in one Solana transaction: each is a payment of its own,
// picked by the payer's proof; without a proof the server cannot tell whose it is.
describe('one Solana transaction carrying two payers to one payTo', () => {
  let chain: LocalChain
  let server: Server
  let url: string
  const second = Keypair.generate()

  before(async () => {
    chain = await startLocalChain()
    chain.rpc.fund(second.publicKey, 1_000_000_000n)
    chain.rpc.mintTo({ mint: chain.usdc, owner: second.publicKey, amount: 1_000_000n })
    const app = new Koa().use(
      paymentRequired({
        price: '0.01',
        asset: 'USDC',
        chains: [chain.plugin({ timeoutMs: 300 })],
        ledger: memoryLedger(),
        secret: 'solana-shared-tx-secret-at-least-32-bytes',
        logger: { info() {}, warn() {}, error() {} },
      }),
    )
    app.use((ctx) => {
      ctx.body = { paidBy: ctx.state.payment?.payer, amount: String(ctx.state.payment?.amount) }
    })
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/weather`
  })
  after(async () => {
    if (server) {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
    await chain?.stop()
  })

  const challenge = async () => {
    const body = (await (await fetch(url)).json()) as PaymentRequiredBody
    const accept = body.accepts.find((a) => a.network === chain.rpc.network)
    assert.ok(accept?.reference && accept.asset.standard === 'spl')
    return { body, accept }
  }
  const proof = (keypair: Keypair, txId: string, challengeId: string) =>
    bs58.encode(
      ed25519.sign(
        new TextEncoder().encode(proofMessage({ network: chain.rpc.network, txId, challengeId })),
        keypair.secretKey.slice(0, 32),
      ),
    )

  it('gives each payer its own payment with its proof, and ambiguous_payer without one', async () => {
    const first = await challenge()
    const other = await challenge()
    const txId = await sendTransfer(chain.connection, {
      payer: chain.payer,
      to: new PublicKey(first.accept.payTo),
      mint: new PublicKey((first.accept.asset as { mint: string }).mint),
      amount: 10_000n,
      reference: new PublicKey(first.accept.reference!),
      coPayer: {
        payer: second,
        amount: 15_000n,
        reference: new PublicKey(other.accept.reference!),
      },
    })
    const headers = (challengeId: string, signature?: string) => ({
      'x-payment-tx': txId,
      'x-payment-chain': first.accept.chain,
      'x-payment-challenge': challengeId,
      ...(signature ? { 'x-payment-proof': signature } : {}),
    })

    const unproven = await fetch(url, { headers: headers(first.body.challenge.id) })
    assert.equal(unproven.status, 402)
    assert.equal(((await unproven.json()) as PaymentRequiredBody).error, 'ambiguous_payer')

    const firstPaid = await fetch(url, {
      headers: headers(first.body.challenge.id, proof(chain.payer, txId, first.body.challenge.id)),
    })
    assert.equal(firstPaid.status, 200)
    assert.deepEqual(await firstPaid.json(), {
      paidBy: chain.payer.publicKey.toBase58(),
      amount: '10000',
    })

    const secondPaid = await fetch(url, {
      headers: headers(other.body.challenge.id, proof(second, txId, other.body.challenge.id)),
    })
    assert.equal(secondPaid.status, 200)
    const receipt = decodeBase64Json<PaymentResponse>(secondPaid.headers.get('payment-response')!)
    assert.equal(receipt.payer, second.publicKey.toBase58())
    assert.equal(receipt.amount, '15000')
  })
})
