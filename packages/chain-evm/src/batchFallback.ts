import { rateLimitCodes } from '@tx402/core'

/** One JSON-RPC call of a batch, as viem sends it. */
interface JsonRpcCall {
  id: number | string
  [field: string]: unknown
}

/** What is learnt about one URL's batches. */
interface BatchMemory {
  /** Most calls one HTTP request may carry; `Infinity` until a batch is refused. */
  maxBatch: number
  /** Largest batch this URL answered in full. */
  largestAnswered: number
}

/** A `fetch` as viem's `http` transport calls it (its `fetchFn`). */
export type FetchFn = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/**
 * A `fetchFn` for viem's `http(url, { batch: true })` that keeps batching working behind
 * providers that refuse JSON-RPC batches (HTTP 400 or 413, or a single error such as -32600 in
 * answer to an array) or cap their size (a refusal above N calls, or fewer answers than calls).
 * A refused batch is sent again as smaller batches, or single requests, all in parallel, and the
 * limit is remembered for the URL, so later batches are split before they are sent (no extra
 * round trip). Rate-limit answers (HTTP 429, JSON-RPC 429 / -32005 / -32007 / -32429) and every
 * other answer pass through unchanged.
 *
 * @example http(url, { batch: true, fetchFn: batchFallbackFetch() })
 */
export function batchFallbackFetch(fetchImpl: FetchFn = globalThis.fetch): FetchFn {
  const memory = new Map<string, BatchMemory>()

  const batchFetch = async (
    url: string,
    init: RequestInit,
    calls: JsonRpcCall[],
  ): Promise<Response> => {
    let known = memory.get(url)
    if (!known) {
      known = { maxBatch: Number.POSITIVE_INFINITY, largestAnswered: 1 }
      memory.set(url, known)
    }
    if (calls.length === 1) {
      // Sent bare (some providers refuse even a one-call array), answered as the array viem awaits.
      const response = await fetchImpl(url, { ...init, body: JSON.stringify(calls[0]) })
      if (!response.ok) return response
      const text = await response.text()
      const answer = parse(text)
      return Array.isArray(answer) ? rebuild(text, response) : json([answer], response)
    }
    if (calls.length > known.maxBatch) return split(url, init, calls, known.maxBatch)
    const response = await fetchImpl(url, { ...init, body: JSON.stringify(calls) })
    if (response.status === 429 || (!response.ok && ![400, 413].includes(response.status))) {
      return response
    }
    const text = await response.text()
    const answer = parse(text)
    if (Array.isArray(answer)) {
      const answered = new Set(answer.map((item) => (item as JsonRpcCall | null)?.id))
      const missing = calls.filter((call) => !answered.has(call.id))
      if (missing.length === 0 && response.ok) {
        known.largestAnswered = Math.max(known.largestAnswered, calls.length)
        return rebuild(text, response)
      }
      if (answer.length > 1 && missing.length < calls.length && response.ok) {
        // Capped: the provider answered the first N calls only.
        known.maxBatch = Math.max(1, answer.length)
        const rest = await batchFetch(url, init, missing)
        if (!rest.ok) return rest
        return json([...answer, ...((await rest.json()) as unknown[])])
      }
    }
    const error = singleError(answer)
    // "Slow down" is not "no batches": passed through, to become a 503 with Retry-After.
    if (error && rateLimitCodes.has(error.code)) return rebuild(text, response)
    if (!error && response.ok) return rebuild(text, response)
    // Refused as a batch: the largest size that worked before, else one call per request.
    known.maxBatch =
      known.largestAnswered > 1 && known.largestAnswered < calls.length ? known.largestAnswered : 1
    return split(url, init, calls, known.maxBatch)
  }

  const split = async (
    url: string,
    init: RequestInit,
    calls: JsonRpcCall[],
    size: number,
  ): Promise<Response> => {
    const chunks: JsonRpcCall[][] = []
    for (let at = 0; at < calls.length; at += size) chunks.push(calls.slice(at, at + size))
    const responses = await Promise.all(chunks.map((chunk) => batchFetch(url, init, chunk)))
    const failed = responses.find((response) => !response.ok)
    if (failed) return failed
    const answers: unknown[] = []
    for (const response of responses) {
      const body = (await response.json()) as unknown
      if (Array.isArray(body)) answers.push(...body)
      else answers.push(body)
    }
    return json(answers)
  }

  return async (input, init) => {
    const body = init?.body
    if (typeof body !== 'string' || !body.startsWith('[')) return fetchImpl(input, init)
    const calls = parse(body)
    if (!Array.isArray(calls) || calls.length === 0) return fetchImpl(input, init)
    const url = input instanceof Request ? input.url : String(input)
    return batchFetch(url, init ?? {}, calls as JsonRpcCall[])
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The error of a batch answered with one error object (bare, or alone in an array as geth does). */
function singleError(answer: unknown): { code: number } | undefined {
  const only = Array.isArray(answer) && answer.length === 1 ? answer[0] : answer
  if (!only || typeof only !== 'object' || Array.isArray(only)) return undefined
  const error = (only as { error?: { code?: unknown } }).error
  return error && typeof error.code === 'number' ? { code: error.code } : undefined
}

function rebuild(text: string, response: Response): Response {
  return new Response(text, { status: response.status, headers: response.headers })
}

function json(value: unknown, from?: Response): Response {
  const headers = new Headers(from?.headers)
  headers.set('content-type', 'application/json')
  headers.delete('content-length')
  return new Response(JSON.stringify(value), { status: 200, headers })
}
