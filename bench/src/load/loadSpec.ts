/** HTTP headers of one request. */
export type Headers = Record<string, string>

/** A load run of autocannon in the load worker. */
export interface AutocannonSpec {
  kind: 'autocannon'
  /** One or more targets (full URLs); connections are spread over them in turn. */
  urls: string[]
  connections: number
  /** Run for this long… */
  durationSec?: number
  /** …or until this many responses. */
  amount?: number
  /** Headers of every request. */
  headers?: Headers
  /** Headers of each request in turn (one fresh transaction per request), added to `headers`. */
  headerSets?: Headers[]
  /**
   * A random well-formed EVM transaction hash per request, with this `x-payment-chain` and a
   * random well-formed `x-payment-proof` (65 bytes), and no challenge.
   */
  randomTxOnChain?: string
  /** Keep every response time (for percentiles). */
  latencies?: boolean
  /** Count the `error` field of every JSON response body at or above 400. */
  tallyErrors?: boolean
}

/** Paid requests one after another, each retried as a client would on 409 and 429. */
export interface ProbeSpec {
  kind: 'probe'
  url: string
  /** One request per entry, in order. */
  headerSets: Headers[]
  maxAttempts: number
  /** Longest wait honoured from a Retry-After. */
  maxRetryWaitMs: number
}

export type LoadSpec = AutocannonSpec | ProbeSpec

/** What an autocannon run measured. */
export interface LoadResult {
  completed: number
  durationSec: number
  /** Completed responses per second. */
  rps: number
  statusCounts: Record<string, number>
  errorCodes: Record<string, number>
  /** Response times in ms, when asked. */
  latencies?: number[]
  socketErrors: number
  timeouts: number
}

/** What a probe measured: one entry per request. */
export interface ProbeResult {
  requests: { ms: number; attempts: number; status: number; error?: string }[]
}
