import assert from 'node:assert/strict'
import { proofMessage, VerifierUnavailableError } from '@tx402/core'
import { encodeFunctionData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { smartWalletAbi, testTokenAbi } from '../deployTestContracts.js'
import { forwardJsonRpc, serveJsonRpc } from '../serveJsonRpc.js'
import { type EvmPaymentsEnv, price } from './evmPaymentsEnv.js'

/**
 * Cases of `describeEvmPayments`: payer proofs: an EOA's signature and a smart wallet's ERC-1271 check.
 *
 * @example describe('base()', () => { proofCases(useEvmPaymentsEnv(suite)) })
 */
export function proofCases(env: EvmPaymentsEnv): void {
  it('checks an EOA payer proof and refuses anyone else', async () => {
    const hash = await env.transfer(env.usdc.address, env.payTo, price)
    const message = proofMessage({ network: env.plugin.network, txId: hash })
    const signer = privateKeyToAccount(env.node.accounts[1]!.privateKey)
    const other = privateKeyToAccount(env.node.accounts[2]!.privateKey)
    const check = (signature: string, forPayer: string = env.payer) =>
      env.plugin.verifyProof!({ message, signature, payer: forPayer })
    assert.equal(await check(await signer.signMessage({ message })), true)
    assert.equal(await check(await other.signMessage({ message })), false)
    assert.equal(await check(await signer.signMessage({ message: `${message}x` })), false)
    assert.equal(await check('0x1234'), false)
    assert.equal(await check('not hex'), false)
    assert.equal(await check(await signer.signMessage({ message }), 'nonsense'), false)
  })

  it('accepts a smart wallet payment and its ERC-1271 proof', async () => {
    const hash = await env.callContract(3, {
      address: env.smartWallet,
      abi: smartWalletAbi,
      functionName: 'execute',
      args: [
        env.usdc.address,
        0n,
        encodeFunctionData({
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [env.payTo, price],
        }),
      ],
    })
    const result = await env.verify(hash)
    assert.equal(result.status === 'confirmed' && result.payer, env.smartWallet)
    const message = proofMessage({ network: env.plugin.network, txId: hash, challengeId: 'c1.a.b' })
    const owner = privateKeyToAccount(env.node.accounts[3]!.privateKey)
    const stranger = privateKeyToAccount(env.node.accounts[4]!.privateKey)
    const proof = (signature: Hex) =>
      env.plugin.verifyProof!({ message, signature, payer: env.smartWallet })
    assert.equal(await proof(await owner.signMessage({ message })), true)
    assert.equal(await proof(await stranger.signMessage({ message })), false)

    // A contract that is no wallet (no isValidSignature: the call reverts) refuses the proof.
    const signed = await owner.signMessage({ message })
    assert.equal(
      await env.plugin.verifyProof!({ message, signature: signed, payer: env.usdc.address }),
      false,
    )

    // An RPC that fails the wallet's check is an outage (503), never proof_invalid.
    const failing = await serveJsonRpc(
      forwardJsonRpc(env.node.rpcUrl, { refuse: (method) => method === 'eth_call' }),
    )
    try {
      const behindFailingRpc = env.suite.plugin(env.options({ rpcUrls: [failing.url] }))
      await assert.rejects(
        behindFailingRpc.verifyProof!({
          message,
          signature: await owner.signMessage({ message }),
          payer: env.smartWallet,
        }),
        VerifierUnavailableError,
      )
    } finally {
      await failing.close()
    }
  })
}
