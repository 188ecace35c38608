import { type AcceptOption, ConfigurationError, type Network, parseBaseUnits } from '@tx402/core'
import {
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  erc20Abi,
  type Hex,
  HttpRequestError,
  isAddress,
  keccak256,
  type PublicClient,
  TimeoutError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  type Transport,
  BaseError as ViemBaseError,
  WaitForTransactionReceiptTimeoutError,
  type WalletClient,
} from 'viem'
import type { DeclaredAsset } from '../assets/knownAssets.js'
import { BroadcastRejectedError, PaymentFailedError, PaymentTimeoutError } from '../errors.js'
import type { Payer, PaymentStatus, SignedPayment } from '../payer.js'

/** Options of `evmPayer`. */
export interface EvmPayerOptions<
  walletChain extends Chain | undefined = Chain | undefined,
  publicChain extends Chain | undefined = Chain | undefined,
> {
  /** Signs (and, for a browser wallet, sends). Its `account` pays unless `account` is given. */
  walletClient: WalletClient<Transport, walletChain, Account | undefined>
  /** Reads the chain: chain id, token metadata, nonces, receipts; sends signed bytes. */
  publicClient: PublicClient<Transport, publicChain>
  /** Default: `walletClient.account`. */
  account?: Account | Address
  /**
   * Tokens besides the built-in stablecoins to treat as known, by contract address (a test or
   * private token): `[{ address, symbol: 'USDC', decimals: 6 }]`. Default none.
   */
  assets?: readonly DeclaredAsset[]
}

/**
 * Pays on one EVM chain with viem: an ERC-20 `transfer`, or a native-coin transfer. With a local
 * account (`privateKeyToAccount`) the transaction is signed first, journaled, then sent as raw
 * bytes, so a crash never loses track of it; a browser wallet (JSON-RPC account) signs and sends
 * in one step, and the hash is journaled as soon as the wallet returns it. Before signing, the
 * token's `symbol()` and `decimals()` are read on chain and must match the challenge, so a server
 * cannot misstate an asset to slip past the spending cap. Proofs are EIP-191 signatures.
 * Waits for the option's `minConfirmations` (default 1).
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
  // One concrete client type inside: chain-specific formatters do not matter to a transfer.
  const walletClient = options.walletClient as unknown as WalletClient<
    Transport,
    Chain | undefined,
    Account | undefined
  >
  const publicClient = options.publicClient as unknown as PublicClient
  if (!walletClient || !publicClient) {
    throw new ConfigurationError('evmPayer needs a walletClient and a publicClient.')
  }
  const given = options.account ?? walletClient.account
  if (!given) throw new ConfigurationError('evmPayer needs an account: set walletClient.account.')
  const account: Account = typeof given === 'string' ? { address: given, type: 'json-rpc' } : given
  let network: Promise<Network> | undefined

  const getNetwork = (): Promise<Network> => {
    const chainId = publicClient.chain?.id ?? walletClient.chain?.id
    network ??= chainId
      ? Promise.resolve(`eip155:${chainId}` as Network)
      : publicClient.getChainId().then((id) => `eip155:${id}` as Network)
    // A failed lookup is not cached: the next call asks the RPC again.
    network.catch(() => {
      network = undefined
    })
    return network
  }

  const checkAsset = async (option: AcceptOption): Promise<void> => {
    const { asset } = option
    if (asset.standard === 'native') {
      const native = publicClient.chain?.nativeCurrency ?? walletClient.chain?.nativeCurrency
      const symbolMatches = !native || native.symbol.toUpperCase() === asset.symbol.toUpperCase()
      if (asset.decimals !== (native?.decimals ?? 18) || !symbolMatches) {
        throw new PaymentFailedError(
          `The challenge describes the native coin as ${asset.symbol} with ${asset.decimals} decimals; the chain says ${native?.symbol ?? '?'} with ${native?.decimals ?? 18}.`,
        )
      }
      return
    }
    if (asset.standard !== 'erc20' || !isAddress(asset.address)) {
      throw new PaymentFailedError(`Cannot pay ${asset.symbol}: not an ERC-20 address.`)
    }
    const address = asset.address
    let symbol: string
    let decimals: number
    try {
      ;[symbol, decimals] = await Promise.all([
        publicClient.readContract({ address, abi: erc20Abi, functionName: 'symbol' }),
        publicClient.readContract({ address, abi: erc20Abi, functionName: 'decimals' }),
      ])
    } catch (cause) {
      throw new PaymentFailedError(`Could not read symbol() and decimals() of ${address}.`, {
        cause,
      })
    }
    if (decimals !== asset.decimals || symbol.toUpperCase() !== asset.symbol.toUpperCase()) {
      throw new PaymentFailedError(
        `The challenge describes ${address} as ${asset.symbol} with ${asset.decimals} decimals; the contract says ${symbol} with ${decimals}. Nothing was paid.`,
      )
    }
  }

  const transfer = (option: AcceptOption): { to: Address; data?: Hex; value?: bigint } => {
    const amount = parseBaseUnits(option.amount)
    if (!isAddress(option.payTo)) {
      throw new PaymentFailedError(`payTo ${option.payTo.slice(0, 60)} is not an EVM address.`)
    }
    if (option.asset.standard === 'native') return { to: option.payTo, value: amount }
    return {
      to: (option.asset as { address: Address }).address,
      data: encodeFunctionData({
        abi: erc20Abi,
        functionName: 'transfer',
        args: [option.payTo, amount],
      }),
    }
  }

  return {
    getNetwork,

    supports: (asset) => asset.standard === 'erc20' || asset.standard === 'native',

    assets: options.assets ?? [],

    signsProofs: true,

    async sign(option) {
      await checkAsset(option)
      const call = transfer(option)
      let request: Awaited<ReturnType<typeof walletClient.prepareTransactionRequest>>
      try {
        request = await walletClient.prepareTransactionRequest({
          ...call,
          account,
          chain: walletClient.chain,
        })
      } catch (cause) {
        // Gas estimation runs the transfer: a short balance or a reverting token fails here.
        throw new PaymentFailedError(
          'Could not prepare the payment transaction; nothing was paid.',
          {
            cause,
          },
        )
      }
      if (account.type === 'local') {
        const serialized = await walletClient.signTransaction({
          ...request,
          account,
          chain: walletClient.chain,
        } as Parameters<typeof walletClient.signTransaction>[0])
        return {
          txId: keccak256(serialized),
          serialized,
          from: account.address,
          validUntil: request.nonce,
        }
      }
      // A browser wallet (eth_sendTransaction) signs and sends at once; there are no bytes to
      // keep, and the wallet rebroadcasts its own pending transactions.
      const txId = await walletClient.sendTransaction({
        ...call,
        account,
        chain: walletClient.chain,
      })
      return { txId, serialized: '', from: account.address, validUntil: request.nonce }
    },

    async broadcast(payment) {
      if (!payment.serialized) return
      try {
        await publicClient.sendRawTransaction({ serializedTransaction: payment.serialized as Hex })
      } catch (error) {
        if (isTransportFault(error)) throw error
        throw new BroadcastRejectedError('The node refused the signed transaction.', {
          cause: error,
        })
      }
    },

    async status(payment) {
      const hash = payment.txId as Hex
      if (await exists(() => publicClient.getTransaction({ hash }))) return 'known'
      const used = await publicClient.getTransactionCount({
        address: payment.from as Address,
        blockTag: 'latest',
      })
      if (used <= payment.validUntil) return 'missing'
      // Its nonce is used: by this transaction if it was mined since the first look, or by another.
      const mined = await exists(() => publicClient.getTransactionReceipt({ hash }))
      return (mined ? 'known' : 'expired') satisfies PaymentStatus
    },

    async confirm(payment, option, deadline) {
      const confirmations = Math.max(1, option.minConfirmations ?? 1)
      const timeout = deadline - Date.now()
      if (timeout <= 0) throw confirmTimeout(payment, confirmations)
      let replaced: string | undefined
      let receipt: Awaited<ReturnType<typeof publicClient.waitForTransactionReceipt>>
      try {
        receipt = await publicClient.waitForTransactionReceipt({
          hash: payment.txId as Hex,
          confirmations,
          timeout,
          onReplaced: (replacement) => {
            replaced = replacement.reason
          },
        })
      } catch (error) {
        if (error instanceof WaitForTransactionReceiptTimeoutError) {
          throw confirmTimeout(payment, confirmations)
        }
        throw error
      }
      if (replaced && replaced !== 'repriced') {
        throw new PaymentFailedError(`The wallet ${replaced} the payment transaction.`)
      }
      if (receipt.status !== 'success') {
        throw new PaymentFailedError(`The payment transaction ${receipt.transactionHash} reverted.`)
      }
      // A wallet's speed-up ('repriced') pays the same under a new hash.
      return { txId: receipt.transactionHash }
    },

    async signProof(message) {
      return walletClient.signMessage({ account, message })
    },
  } satisfies Payer
}

function confirmTimeout(payment: SignedPayment, confirmations: number): PaymentTimeoutError {
  return new PaymentTimeoutError({
    txId: payment.txId,
    waiting: `${confirmations} confirmation(s) of ${payment.txId}`,
  })
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read()
    return true
  } catch (error) {
    if (error instanceof TransactionNotFoundError) return false
    if (error instanceof TransactionReceiptNotFoundError) return false
    throw error
  }
}

// The request may or may not have reached the node: its fate is unknown, unlike a JSON-RPC error.
function isTransportFault(error: unknown): boolean {
  if (!(error instanceof ViemBaseError)) return true
  return Boolean(error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError))
}
