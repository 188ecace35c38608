/**
 * Limits on unpaid verification work, so a flood of random transaction ids cannot run up RPC
 * cost: a short negative cache of `tx_not_found`, a cap on concurrent verifications per chain,
 * and an optional fixed-window limit per client.
 *
 * @example
 * paymentRequired({ …, limits: { maxConcurrentVerifications: 16, perClient: { max: 30, windowMs: 60_000 } } })
 */
export interface VerificationLimits {
  /** How long a `tx_not_found` verdict is answered from memory, in ms. Default 5000; 0 turns it off. */
  notFoundCacheMs?: number
  /** Concurrent on-chain verifications per chain; more are answered 429. Default 32. */
  maxConcurrentVerifications?: number
  /** Verification attempts per client per window; more are answered 429. Off by default. */
  perClient?: { max: number; windowMs: number }
}

/** A bounded map of keys to expiry times (oldest evicted first). */
export class ExpiringSet {
  private readonly entries = new Map<string, number>()
  constructor(private readonly maxSize = 10_000) {}

  /** Milliseconds until `key` expires; 0 when it is not held. */
  remainingMs(key: string, now: number): number {
    const expiresAt = this.entries.get(key)
    if (expiresAt === undefined) return 0
    if (expiresAt > now) return expiresAt - now
    this.entries.delete(key)
    return 0
  }

  add(key: string, expiresAt: number): void {
    this.entries.delete(key)
    this.entries.set(key, expiresAt)
    if (this.entries.size > this.maxSize) this.entries.delete(this.entries.keys().next().value!)
  }
}

/** Counts attempts per client in fixed windows; `take` is false once a client is over its limit. */
export class ClientWindows {
  private readonly windows = new Map<string, { start: number; count: number }>()
  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly maxClients = 50_000,
  ) {}

  /** Seconds until the client may try again, or 0 when this attempt is allowed. */
  take(client: string, now: number): number {
    let window = this.windows.get(client)
    if (!window || now - window.start >= this.windowMs) {
      window = { start: now, count: 0 }
      this.windows.delete(client)
      this.windows.set(client, window)
      if (this.windows.size > this.maxClients)
        this.windows.delete(this.windows.keys().next().value!)
    }
    window.count++
    if (window.count <= this.max) return 0
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000))
  }
}
