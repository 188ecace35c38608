// The one limiter file core loads: the package's index also requires `cluster` and `crypto`
// (its cluster and brute-force limiters), which must stay out of browser bundles of @tx402/core.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible'

  const Memory: typeof RateLimiterMemory
  export default Memory
}
