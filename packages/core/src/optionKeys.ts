import { ConfigurationError } from './errors.js'

/**
 * Refuses the first key of `options` that is not a known option (own keys only: `toString` is
 * not an option), naming the closest known one when it looks like a typo: an ignored option
 * would silently leave a setting at its default (fewer confirmations, no rate limit).
 *
 * @param known - every option name the caller takes.
 * @param where - `owner` prefixes the message (a chain's name); `path` prefixes the key (`limits.`).
 * @throws ConfigurationError `[<owner>: ]Unknown option "<path><key>". Did you mean "<path><name>"?`
 * @example refuseUnknownOptions({ confirmation: 2 }, ['confirmations'], { owner: 'base' })
 * // throws: base: Unknown option "confirmation". Did you mean "confirmations"?
 */
export function refuseUnknownOptions(
  options: object,
  known: readonly string[],
  where: { owner?: string; path?: string } = {},
): void {
  const path = where.path ?? ''
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const suggestion = closestName(key, known)
    throw new ConfigurationError(
      `${where.owner ? `${where.owner}: ` : ''}Unknown option "${path}${key}".${suggestion ? ` Did you mean "${path}${suggestion}"?` : ''}`,
      { details: `Known options${path ? ` of ${path.slice(0, -1)}` : ''}: ${known.join(', ')}.` },
    )
  }
}

/** The known name nearest to `name` by edit distance, when it is near enough to be a typo. */
function closestName(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance) best = { name: candidate, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution)
    }
    previous = current
  }
  return previous[b.length]!
}
