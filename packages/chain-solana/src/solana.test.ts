import assert from 'node:assert/strict'
import { ed25519 } from '@noble/curves/ed25519'
import { Keypair, PublicKey } from '@solana/web3.js'
import {
  ConfigurationError,
  createPaymentEngine,
  decodeBase64Json,
  deriveReference,
  memoryLedger,
  type Outcome,
  type PaymentRequiredBody,
  proofMessage,
} from '@tx402/core'
import { sendTransfer } from '@tx402/testing/solana'
import bs58 from 'bs58'
import { tokenProgramIds } from './networks.js'
import { solana, solanaDevnet } from './solana.js'
import { type LocalChain, startLocalChain } from './test/localChain.js'

const payTo = Keypair.generate().publicKey.toBase58()
const rpcUrl = 'https://rpc.example.invalid/?api-key=secret-key'

describe('solana (plugin factory)', () => {
  it('defaults to mainnet: name, network, USDC and SOL, confirmed, 900 seconds', () => {
    const plugin = solana({ rpcUrl, payTo })
    assert.equal(plugin.name, 'solana')
    assert.equal(plugin.network, 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp')
    assert.equal(plugin.payTo, payTo)
    assert.equal(plugin.commitment, 'confirmed')
    assert.equal(plugin.maxAgeSeconds, 900)
    assert.deepEqual(plugin.assets, [
      {
        standard: 'spl',
        mint: 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v',
        symbol: 'USDC',
        decimals: 6,
      },
      { standard: 'native', symbol: 'SOL', decimals: 9 },
    ])
    assert.deepEqual(plugin.tokenPrograms, {
      EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v: tokenProgramIds.token,
    })
  })

  it('presets devnet with its network and USDC mint', () => {
    const plugin = solanaDevnet({ rpcUrl, payTo, commitment: 'finalized' })
    assert.equal(plugin.name, 'solana-devnet')
    assert.equal(plugin.network, 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1')
    assert.equal(plugin.commitment, 'finalized')
    assert.equal(
      plugin.assets[0]?.standard === 'spl' && plugin.assets[0].mint,
      '4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU',
    )
  })

  it('takes any mint with its decimals and token program, and keeps the program off the wire', () => {
    const mint = Keypair.generate().publicKey.toBase58()
    const plugin = solana({
      rpcUrl,
      payTo,
      network: 'solana:FjYD8SyhrEbr7YoZVe57ASCdzFyp2ZF7',
      assets: [{ standard: 'spl', mint, symbol: 'PYUSD', decimals: 6, tokenProgram: 'token-2022' }],
    })
    assert.equal(plugin.name, 'solana-local')
    assert.deepEqual(plugin.assets, [{ standard: 'spl', mint, symbol: 'PYUSD', decimals: 6 }])
    assert.equal(plugin.tokenPrograms[mint], tokenProgramIds['token-2022'])
  })

  it('offers the commitment and the challenge reference in base58', () => {
    const plugin = solana({ rpcUrl, payTo, commitment: 'finalized' })
    const reference = deriveReference('c1.some.challenge')
    const fields = plugin.acceptsFields({ id: 'c1.some.challenge', issuedAt: 0, reference })
    assert.deepEqual(fields, { commitment: 'finalized', reference: bs58.encode(reference) })
    assert.equal(new PublicKey(fields.reference!).toBytes().length, 32)
  })

  it('names the closest option for a misspelled one', () => {
    assert.throws(
      () => solana({ rpcUrl, payTo, comitment: 'finalized' } as never),
      /solana: Unknown option "comitment"\. Did you mean "commitment"\?/,
    )
  })

  it('fails at setup, with ConfigurationError and without the RPC URL, on options that cannot work', () => {
    const mint = Keypair.generate().publicKey.toBase58()
    const bad: unknown[] = [
      { payTo },
      { rpcUrl: 'ws://127.0.0.1:8900', payTo },
      { rpcUrl: 'not a url', payTo },
      { rpcUrl },
      { rpcUrl, payTo: '0x000000000000000000000000000000000000bEEF' },
      { rpcUrl, payTo, network: 'eip155:8453' },
      { rpcUrl, payTo, network: 'solana:short' },
      { rpcUrl, payTo, network: 'solana:FjYD8SyhrEbr7YoZVe57ASCdzFyp2ZF7' },
      { rpcUrl, payTo, commitment: 'processed' },
      { rpcUrl, payTo, maxAgeSeconds: -1 },
      { rpcUrl, payTo, maxAgeSeconds: 1.5 },
      { rpcUrl, payTo, timeoutMs: 0 },
      // The engine alone takes it now (one for every chain).
      { rpcUrl, payTo, clockSkewSeconds: 60 },
      { rpcUrl, payTo, name: 'Solana Main' },
      // A misspelled option would otherwise keep the default.
      { rpcUrl, payTo, comitment: 'finalized' },
      { rpcUrl, payTo, assets: [] },
      { rpcUrl, payTo, assets: [{ standard: 'spl', mint: 'nope', symbol: 'X', decimals: 6 }] },
      { rpcUrl, payTo, assets: [{ standard: 'spl', mint, symbol: 'X', decimals: 6.5 }] },
      {
        rpcUrl,
        payTo,
        assets: [{ standard: 'spl', mint, symbol: 'X', decimals: 6, tokenProgram: 'token-2023' }],
      },
      { rpcUrl, payTo, assets: [{ standard: 'native', symbol: 'SOL', decimals: 6 }] },
      { rpcUrl, payTo, assets: [{ standard: 'erc20', address: mint, symbol: 'X', decimals: 6 }] },
      {
        rpcUrl,
        payTo,
        assets: [
          { standard: 'spl', mint, symbol: 'usdc', decimals: 6 },
          { standard: 'spl', mint: payTo, symbol: 'USDC', decimals: 6 },
        ],
      },
    ]
    for (const options of bad) {
      assert.throws(
        () => solana(options as Parameters<typeof solana>[0]),
        (error: unknown) =>
          error instanceof ConfigurationError && !error.message.includes('secret-key'),
        JSON.stringify(options),
      )
    }
  })
})

describe('solana through the payment engine', () => {
  let chain: LocalChain
  const secret = 'solana-engine-test-secret-32-bytes-long!'

  before(async () => {
    chain = await startLocalChain()
  })
  after(() => chain.stop())

  const engineFor = (options: { requireProof?: boolean } = {}) =>
    createPaymentEngine({
      price: '0.01',
      asset: 'USDC',
      chains: [chain.plugin()],
      ledger: memoryLedger(),
      secret,
      // Re-delivery off: every replay, even the payer's own, is refused.
      redeliveryWindowSeconds: 0,
      ...options,
    })
  const challengeOf = (outcome: Outcome) => {
    assert.equal(outcome.type, 'payment_required')
    return (outcome as { body: PaymentRequiredBody }).body
  }
  const payAgainst = async (body: PaymentRequiredBody) => {
    const accept = body.accepts[0]!
    assert.equal(accept.asset.standard, 'spl')
    return sendTransfer(chain.connection, {
      payer: chain.payer,
      to: new PublicKey(accept.payTo),
      mint: new PublicKey(accept.asset.standard === 'spl' ? accept.asset.mint : ''),
      amount: BigInt(accept.amount),
      reference: new PublicKey(accept.reference!),
    })
  }
  const request = (headers: Record<string, string>) => ({
    method: 'GET',
    path: '/paid',
    headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
  })

  it('accepts a payment once and refuses its replay as tx_already_used', async () => {
    const engine = engineFor()
    const body = challengeOf(await engine.handle(request({})))
    assert.equal(body.accepts[0]?.amount, '10000')
    assert.equal(body.accepts[0]?.commitment, 'confirmed')
    const txId = await payAgainst(body)
    const headers = {
      'x-payment-tx': txId,
      'x-payment-chain': chain.rpc.network,
      'x-payment-challenge': body.challenge.id,
    }
    const paid = await engine.handle(request(headers))
    assert.equal(paid.type, 'paid')
    if (paid.type !== 'paid') return
    assert.equal(paid.payment.payer, chain.payer.publicKey.toBase58())
    assert.equal(paid.payment.amount, 10_000n)
    assert.equal(await paid.finish(true), undefined)
    const replay = await engine.handle(request({ ...headers, 'x-payment-chain': 'solana-local' }))
    assert.equal(replay.type === 'error' && replay.status, 402)
    assert.equal(replay.type === 'error' && replay.body.error, 'tx_already_used')
  })

  it('checks the payer’s proof: its signature is accepted, another key’s is proof_invalid', async () => {
    const engine = engineFor({ requireProof: true })
    const body = challengeOf(await engine.handle(request({})))
    assert.equal(body.accepts[0]?.proofRequired, true)
    const txId = await payAgainst(body)
    const message = proofMessage({
      network: chain.rpc.network,
      txId,
      challengeId: body.challenge.id,
    })
    const sign = (keypair: Keypair) =>
      bs58.encode(ed25519.sign(new TextEncoder().encode(message), keypair.secretKey.slice(0, 32)))
    const headers = {
      'x-payment-tx': txId,
      'x-payment-chain': 'solana-local',
      'x-payment-challenge': body.challenge.id,
    }
    const forged = await engine.handle(
      request({ ...headers, 'x-payment-proof': sign(Keypair.generate()) }),
    )
    assert.equal(forged.type === 'error' && forged.body.error, 'proof_invalid')
    const proven = await engine.handle(
      request({ ...headers, 'x-payment-proof': sign(chain.payer) }),
    )
    assert.equal(proven.type, 'paid')
    if (proven.type === 'paid') {
      const response = decodeBase64Json(proven.headers['payment-response']!) as { payer: string }
      assert.equal(response.payer, chain.payer.publicKey.toBase58())
    }
  })
})
