import { rpcFault, type VerifierUnavailableError } from '@tx402/core'
import { createPublicClient, fallback, http, type PublicClient } from 'viem'
import { batchFallbackFetch } from './batchFallback.js'
import { immediateBatchHttp } from './immediateBatchHttp.js'
import { rpcSource, wrongChainError } from './rpcSource.js'

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

/** What `verifiedRpc` returns. */
export interface VerifiedRpc {
  /** A client over the proven URLs; throws `VerifierUnavailableError` while none can be used. */
  client(): Promise<PublicClient>
  /**
   * Reports that `client` (from `client()`) answered `eth_chainId` for another chain: its URLs are
   * unproven again, re-checked like URLs that were down at startup before they serve anything.
   */
  distrust(client: PublicClient): void
}

/**
 * The RPC side of an EVM plugin: a viem client that only ever talks to URLs that have shown they
 * serve `chainId`. `client()` asks `eth_chainId` of every URL not yet proven: it waits while no URL
 * is proven, and otherwise asks the missing ones in the background (at most every `recheckMs`), so
 * one dead backup never slows verification. A proven URL stays proven until a caller that saw it
 * answer for another chain reports it with `distrust` (verification asks `eth_chainId` in its
 * batch every time). A URL serving another chain makes `client()` throw `VerifierUnavailableError` until it
 * is fixed; so does having no URL proven. Requests are batched (one HTTP request per event loop
 * turn, sent at once: `immediateBatchHttp`), split
 * into parallel smaller requests for a provider that refuses or caps batches, and fail over in the
 * given order.
 *
 * @example const client = await verifiedRpc({ name: 'base', chainId: 8453, rpcUrls, timeoutMs: 10_000, retryCount: 1 }).client()
 */
export function verifiedRpc(options: VerifiedRpcOptions): VerifiedRpc {
  const { name, chainId, rpcUrls, timeoutMs, retryCount } = options
  const recheckMs = options.recheckMs ?? 30_000
  const checkers = rpcUrls.map((url) =>
    createPublicClient({ transport: http(url, { timeout: timeoutMs, retryCount: 0 }) }),
  )
  // Batches are split per URL as each provider allows (see batchFallbackFetch).
  const fetchFn = batchFallbackFetch()
  const proven = new Set<number>()
  const clients = new Map<string, PublicClient>()
  const urlsOf = new Map<PublicClient, number[]>()
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
    wrongChain = wrong === undefined ? undefined : wrongChainError(name, wrong, chainId)
    if (proven.size === 0 && !wrongChain)
      throw rpcFault(rpcSource(name), 'checking the chain id', failure)
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
            ? immediateBatchHttp(urls[0]!, { timeout: timeoutMs, retryCount, fetchFn })
            : fallback(
                urls.map((url) => immediateBatchHttp(url, { timeout: timeoutMs, fetchFn })),
                { retryCount },
              ),
        cacheTime: 0,
      }) as PublicClient
      clients.set(key, client)
      urlsOf.set(client, indexes)
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
    distrust(client) {
      // Which of a fallback's URLs answered is unknown: all of them are asked again.
      for (const index of urlsOf.get(client) ?? []) proven.delete(index)
      lastCheck = Number.NEGATIVE_INFINITY
    },
  }
}
