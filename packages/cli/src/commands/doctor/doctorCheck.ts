/** One line of `tx402 doctor`. */
export interface DoctorCheck {
  /** `rpc base`, `clock base`, `ledger`, `redis`, `secret`, `chains`. */
  name: string
  ok: boolean
  /** What was found. */
  detail: string
  /** What to do, when it failed. */
  fix?: string
  /** Why it failed: a dependency that does not answer (or serves another network) exits 3, a configuration 2, anything else 1. */
  failure?: 'unreachable' | 'configuration' | 'negative'
}
