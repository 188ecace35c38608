import assert from 'node:assert/strict'
import { ed25519 } from '@noble/curves/ed25519'
import { Keypair } from '@solana/web3.js'
import { proofMessage } from '@tx402/core'
import bs58 from 'bs58'
import { verifyProof } from './verifyProof.js'

const message = proofMessage({
  network: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  txId: '2S2rTZjaqzxYRw9mnqzwtyqitKtSsnE8GVqLn1KrD5R2YpXZnU4GdjppsgfSAbrzJfaqadfi8CtrqEBy588WVQ3E',
  challengeId: 'c1.abc.def',
})
const sign = (keypair: Keypair, text: string) =>
  bs58.encode(ed25519.sign(new TextEncoder().encode(text), keypair.secretKey.slice(0, 32)))

describe('verifyProof (solana)', () => {
  const payer = Keypair.generate()
  const payerKey = payer.publicKey.toBase58()

  it('accepts the payer’s base58 ed25519 signature of the proof message', async () => {
    assert.equal(
      await verifyProof({ message, signature: sign(payer, message), payer: payerKey }),
      true,
    )
  })

  it('rejects a signature by another key, of another message, or malformed', async () => {
    const other = Keypair.generate()
    const cases = [
      sign(other, message),
      sign(payer, message.replace('c1.abc.def', '-')),
      '',
      'not base58 0OIl',
      bs58.encode(new Uint8Array(64)),
      sign(payer, message).slice(0, -2),
    ]
    for (const signature of cases) {
      assert.equal(await verifyProof({ message, signature, payer: payerKey }), false, signature)
    }
    assert.equal(
      await verifyProof({ message, signature: sign(payer, message), payer: 'nope' }),
      false,
    )
  })
})
