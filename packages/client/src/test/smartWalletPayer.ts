import type { AnvilNode } from '@tx402/testing/evm'
import { smartWalletAbi } from '@tx402/testing/evm'
import type { Address, Hash } from 'viem'
import { PaymentFailedError } from '../errors.js'
import type { Payer } from '../payer.js'

/** A payer through a `SmartWallet`, with the hashes of the `execute` calls it sent. */
export interface SmartWalletPayer extends Payer {
  readonly sent: Hash[]
}

/**
 * A payer whose money sits in a contract wallet (the testing package's `SmartWallet`, as a Safe
 * or an ERC-4337 account): its owner sends `execute(payTo, amount, 0x)`, so the native coin moves
 * in a call inside the transaction, never as its top-level value. Proofs are the owner's EIP-191
 * signatures, which the wallet accepts through ERC-1271. Sends at `sign`, as a browser wallet does.
 *
 * @example const payer = smartWalletPayer(node, wallet, 3)
 */
export function smartWalletPayer(
  node: AnvilNode,
  wallet: Address,
  ownerIndex: number,
): SmartWalletPayer {
  const owner = node.wallet(ownerIndex)
  const sent: Hash[] = []
  return {
    sent,
    getNetwork: async () => `eip155:${node.chainId}`,
    supports: (asset) => asset.standard === 'native',
    signsProofs: true,
    async sign(option) {
      const nonce = await node.publicClient.getTransactionCount({
        address: owner.account.address,
        blockTag: 'pending',
      })
      const hash = await owner.writeContract({
        address: wallet,
        abi: smartWalletAbi,
        functionName: 'execute',
        args: [option.payTo as Address, BigInt(option.amount), '0x'],
      })
      sent.push(hash)
      return { txId: hash, serialized: '', from: wallet, validUntil: nonce }
    },
    async broadcast() {},
    async status(payment) {
      const known = await node.publicClient
        .getTransaction({ hash: payment.txId as Hash })
        .catch(() => undefined)
      return known ? 'known' : 'missing'
    },
    async confirm(payment, option) {
      const receipt = await node.publicClient.waitForTransactionReceipt({
        hash: payment.txId as Hash,
        confirmations: option.minConfirmations ?? 1,
        pollingInterval: 50,
      })
      if (receipt.status !== 'success') throw new PaymentFailedError('execute reverted')
      return { txId: payment.txId }
    },
    signProof: (message) => owner.signMessage({ message }),
  }
}
