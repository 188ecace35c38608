import type { Chain } from 'viem'
import type { Payer } from '../payer.js'
import { confirmTransfer } from './confirmTransfer.js'
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
 * Steps, one file each: `resolveOptions`, `buildTransfer` (within `signTransfer`),
 * `sendTransfer`, `transferStatus`, `confirmTransfer`, `signProof`; `solanaPayer` has the same.
 *
 * @example
 * const account = privateKeyToAccount(process.env.PAYER_KEY as Hex, { nonceManager })
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
  return {
    getNetwork: context.getNetwork,
    supports: (asset) => asset.standard === 'erc20' || asset.standard === 'native',
    assets: options.assets ?? [],
    signsProofs: true,
    sign: (option) => signTransfer(context, option),
    broadcast: (payment) => sendTransfer(context, payment),
    status: (payment) => transferStatus(context, payment),
    confirm: (payment, option, deadline) => confirmTransfer(context, payment, option, deadline),
    signProof: (message) => signProof(context, message),
  } satisfies Payer
}
