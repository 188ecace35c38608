import type { Chain } from 'viem'
import type { Payer, SignedPayment } from '../payer.js'
import { inAccountTurn } from './accountLock.js'
import { confirmTransfer } from './confirmTransfer.js'
import { findReplacement } from './findReplacement.js'
import { type EvmPayerOptions, resolveOptions } from './resolveOptions.js'
import { sendTransfer } from './sendTransfer.js'
import { signProof } from './signProof.js'
import { signTransfer } from './signTransfer.js'
import { transferStatus } from './transferStatus.js'

/**
 * Pays on one EVM chain with viem: an ERC-20 `transfer`, or a native-coin transfer. With a local
 * account (`privateKeyToAccount`) the transaction is signed first, journaled, then sent as raw
 * bytes, so a crash never loses track of it; a browser wallet (JSON-RPC account) signs and sends
 * in one step, and the hash is journaled as soon as the wallet returns it. Before signing, the
 * token's `symbol()` and `decimals()` are read on chain and must match the challenge, so a server
 * cannot misstate an asset to slip past the spending cap. Proofs are EIP-191 signatures.
 * Waits for the option's `minConfirmations` (default 1).
 *
 * Nonces: the payer signs one transaction of an account at a time, reading its nonce from the
 * node's pending count, and sends it before the next is signed, so concurrent calls from one
 * account never collide (an account's own viem `nonceManager` is used when it has one).
 * Replacements: a wallet's speed-up of a payment (same nonce, recipient, calldata and value, a
 * new hash) is found by sender and nonce and presented instead; only a nonce used by a different
 * transaction means the payment never paid.
 *
 * Steps, one file each: `resolveOptions`, `buildTransfer` (within `signTransfer`),
 * `sendTransfer`, `transferStatus`, `confirmTransfer`, `signProof`; `solanaPayer` has the same.
 *
 * @example
 * const account = privateKeyToAccount(process.env.PAYER_KEY as Hex)
 * const payer = evmPayer({
 *   walletClient: createWalletClient({ account, chain: base, transport: http() }),
 *   publicClient: createPublicClient({ chain: base, transport: http() }),
 * })
 */
export function evmPayer<
  walletChain extends Chain | undefined,
  publicChain extends Chain | undefined,
>(options: EvmPayerOptions<walletChain, publicChain>): Payer {
  const context = resolveOptions(options)
  // Ends the account's turn (accountLock.ts) once a signed payment was sent, by transaction id.
  const turnEnds = new Map<string, () => void>()
  const endTurn = (payment: SignedPayment) => {
    turnEnds.get(payment.txId)?.()
    turnEnds.delete(payment.txId)
  }
  return {
    getNetwork: context.getNetwork,
    supports: (asset) => asset.standard === 'erc20' || asset.standard === 'native',
    assets: options.assets ?? [],
    signsProofs: true,
    async sign(option) {
      const { result, release } = await inAccountTurn(
        await context.getNetwork(),
        context.account.address,
        () => signTransfer(context, option),
      )
      // A browser wallet sent it already; raw bytes hold the turn until they are sent.
      if (result.serialized) turnEnds.set(result.txId, release)
      else release()
      return result
    },
    broadcast: (payment) => sendTransfer(context, payment).finally(() => endTurn(payment)),
    async status(payment) {
      const status = await transferStatus(context, payment)
      // Known to the node, or never to land: its nonce no longer needs the account's turn.
      if (status !== 'missing') endTurn(payment)
      return status
    },
    findReplacement: (payment, transfer) => findReplacement(context, payment, transfer),
    confirm: (payment, option, deadline, transfer) =>
      confirmTransfer(context, payment, option, deadline, transfer),
    signProof: (message) => signProof(context, message),
  } satisfies Payer
}
