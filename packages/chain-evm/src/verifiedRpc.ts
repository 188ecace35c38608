import { VerifierUnavailableError } from '@tx402/core'
import { createPublicClient, fallback, http, type PublicClient } from 'viem'
import { rpcFault } from './rpcFault.js'

/** Options of `verifiedRpc`. */
export interface VerifiedRpcOptions {
  /** Chain name, for messages. */
  name: string
  /** The chain id every URL must serve. */
  chainId: number
  rpcUrls: readonly string[]
  /** Timeout of one request, in ms. */
  timeoutMs: number
  /** Retries of a failed request, after trying every URL. */
  retryCount: number
  /** How often a URL that did not answer is asked again, in ms. Default 30000. */
  recheckMs?: number
}

/**
 * The RPC side of an EVM plugin: a viem client that only ever talks to URLs that have shown they
 * serve `chainId`. `client()` asks `eth_chainId` of every URL not yet proven: it waits while no URL
 * is proven, and otherwise asks the missing ones in the background (at most every `recheckMs`), so
 * one dead backup never slows verification. Each proven URL is asked once. A URL serving another
 * chain makes `client()` throw `VerifierUnavailableError` until it is fixed; so does having no
 * URL proven. Requests are batched (one HTTP request per tick) and fail over in the given order.
 *
 * @example const client = await verifiedRpc({ name: 'base', chainId: 8453, rpcUrls, timeoutMs: 10_000, retryCount: 1 }).client()
 */
export function verifiedRpc(options: VerifiedRpcOptions): { client(): Promise<PublicClient> } {
  const { name, chainId, rpcUrls, timeoutMs, retryCount } = options
  const recheckMs = options.recheckMs ?? 30_000
  const checkers = rpcUrls.map((url) =>
    createPublicClient({ transport: http(url, { timeout: timeoutMs, retryCount: 0 }) }),
  )
  const proven = new Set<number>()
  const clients = new Map<string, PublicClient>()
  let wrongChain: VerifierUnavailableError | undefined
  let inFlight: Promise<void> | undefined
  let lastCheck = Number.NEGATIVE_INFINITY

  const check = async (): Promise<void> => {
    lastCheck = Date.now()
    const unproven = rpcUrls.map((_, index) => index).filter((index) => !proven.has(index))
    const answers = await Promise.allSettled(unproven.map((index) => checkers[index]!.getChainId()))
    let wrong: number | undefined
    let failure: unknown
    answers.forEach((answer, position) => {
      if (answer.status === 'rejected') failure ??= answer.reason
      else if (answer.value === chainId) proven.add(unproven[position]!)
      else wrong = answer.value
    })
    wrongChain =
      wrong === undefined
        ? undefined
        : new VerifierUnavailableError(
            `The ${name} RPC serves chain id ${wrong}, not ${chainId}: no payment is verified on it.`,
            { details: 'Point rpcUrls at nodes of the configured network.' },
          )
    if (proven.size === 0 && !wrongChain) throw rpcFault(name, 'checking the chain id', failure)
  }

  const clientFor = (indexes: number[]): PublicClient => {
    const key = indexes.join(',')
    let client = clients.get(key)
    if (!client) {
      const urls = indexes.map((index) => rpcUrls[index]!)
      client = createPublicClient({
        // One URL retries itself; several fail over in order and the whole round retries.
        transport:
          urls.length === 1
            ? http(urls[0], { batch: true, timeout: timeoutMs, retryCount })
            : fallback(
                urls.map((url) => http(url, { batch: true, timeout: timeoutMs })),
                { retryCount },
              ),
        cacheTime: 0,
      }) as PublicClient
      clients.set(key, client)
    }
    return client
  }

  return {
    async client() {
      const due = proven.size === 0 || wrongChain || Date.now() - lastCheck >= recheckMs
      if (proven.size < rpcUrls.length && due) {
        inFlight ??= check().finally(() => {
          inFlight = undefined
        })
        const running = inFlight
        if (proven.size === 0 || wrongChain) await running
        else running.catch(() => undefined)
      }
      if (wrongChain) throw wrongChain
      return clientFor([...proven].sort((a, b) => a - b))
    },
  }
}
