/**
 * The `p`-th percentile (0 to 100) of `samples` by the nearest-rank method: the smallest sample
 * with at least p% of the samples at or below it. `NaN` for no samples.
 *
 * @example percentile([5, 1, 3, 2, 4], 50) // 3
 */
export function percentile(samples: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be 0 to 100, got ${p}`)
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

/**
 * The middle of `samples` (the mean of the two middle ones for an even count). `NaN` for none.
 *
 * @example median([4, 1, 3, 2]) // 2.5
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN
  const sorted = [...samples].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * `value / floor`, or `NaN` when the floor is 0 or either side is not a finite number, so a
 * broken measurement shows as `n/a` instead of `Infinity`.
 *
 * @example ratio(500, 1000) // 0.5
 */
export function ratio(value: number, floor: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(floor) || floor === 0) return Number.NaN
  return value / floor
}

/**
 * What a path adds to each request, in µs, from two throughputs measured alike:
 * `1/subject − 1/floor` seconds. `NaN` when either is not a positive number.
 *
 * @example addedMicroseconds(10_000, 40_000) // 75
 */
export function addedMicroseconds(subjectPerSecond: number, floorPerSecond: number): number {
  if (!(subjectPerSecond > 0 && floorPerSecond > 0)) return Number.NaN
  return (1 / subjectPerSecond - 1 / floorPerSecond) * 1e6
}
