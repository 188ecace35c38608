import { headerNames, paymentRequestHeaders } from '../protocol/headers.js'
import type { Outcome } from './outcome.js'

/**
 * The `Vary` of every answer of a paid route (docs/protocol.md section 5.1): the same URL answers
 * 402 without payment headers and the paid content with them, so a cache must key on them.
 */
export const paymentVary: string = paymentRequestHeaders.join(', ')

// Directives that let a shared cache store a response (RFC 9111 sections 5.2.2.6, 5.2.2.9,
// 5.2.2.10), with a qualified `private="field"`, which leaves the rest of the response storable.
const letsSharedCacheStore = (directive: string) => {
  const name = nameOf(directive)
  return name === 'public' || name === 's-maxage' || (name === 'private' && directive.includes('='))
}

/**
 * The outcome with its cache headers (docs/protocol.md section 5.1): `Vary` on every answer;
 * `Cache-Control: private` on a paid, credited or re-delivered response (the payer's receipt and
 * content, never a shared cache's), `private, no-store` on one carrying `PAYMENT-CREDIT` (a
 * bearer token). 402s and errors already carry `no-store`.
 *
 * @example return withCacheHeaders(outcome)
 */
export function withCacheHeaders(outcome: Outcome): Outcome {
  const headers: Record<string, string> = { ...outcome.headers, vary: paymentVary }
  if (outcome.type === 'paid' || outcome.type === 'replay') {
    headers['cache-control'] =
      headerNames.paymentCredit in headers ? 'private, no-store' : 'private'
  }
  return { ...outcome, headers } as Outcome
}

// Fields a shared cache obeys over `Cache-Control`: nginx's `X-Accel-Expires`, RFC 9213's
// `CDN-Cache-Control` and its targeted `<vendor>-CDN-Cache-Control` (Cloudflare, Vercel, Netlify),
// Fastly's and the W3C Edge Architecture's `Surrogate-Control`, Akamai's `Edge-Control`.
const cacheOverrides = new Set([
  'x-accel-expires',
  'cdn-cache-control',
  'surrogate-control',
  'edge-control',
])

/**
 * Whether a response header field (any case) tells a shared cache how long to keep the response
 * regardless of its `Cache-Control` (docs/protocol.md section 5.1). Adapters remove these from
 * paid, credited and re-delivered responses and from 402s: a cache obeying one would serve a
 * payer's answer, receipt or credit token to others, or to its payer past the re-delivery bound.
 *
 * @example overridesCacheControl('X-Accel-Expires') // true
 * @example overridesCacheControl('Cloudflare-CDN-Cache-Control') // true
 */
export function overridesCacheControl(name: string): boolean {
  const lower = name.toLowerCase()
  return cacheOverrides.has(lower) || lower.endsWith('-cdn-cache-control')
}

/**
 * Merges the `Cache-Control` tx402 requires (`required`, e.g. `private` or `no-store`) into the
 * one the route set (`route`, undefined when none): the route's own directives are kept
 * (`max-age=60`, `no-transform`) except those letting a shared cache store the response
 * (`public`, `s-maxage`, a qualified `private="…"`), which the required ones override. With
 * `carriesCredit` (the response holds `PAYMENT-CREDIT`, e.g. a kept response re-delivered),
 * `no-store` is added whatever was required. Directive names compare case-insensitively; quoted
 * values may hold commas (RFC 9111 section 5.2).
 *
 * @example mergeCacheControl('public, max-age=60', 'private') // 'max-age=60, private'
 * @example mergeCacheControl('max-age=60', 'private', true) // 'max-age=60, private, no-store'
 */
export function mergeCacheControl(
  route: string | undefined,
  required: string,
  carriesCredit = false,
): string {
  // Idempotent: merging a merged value again changes nothing (adapters merge once more when the
  // headers are sent).
  const kept = directivesOf(route).filter((directive) => !letsSharedCacheStore(directive))
  const wanted = directivesOf(required)
  if (carriesCredit) wanted.push('private', 'no-store')
  const names = new Set(kept.map(nameOf))
  for (const directive of wanted) {
    if (names.has(nameOf(directive))) continue
    names.add(nameOf(directive))
    kept.push(directive)
  }
  return kept.join(', ')
}

/** Splits a `Cache-Control` value into its directives, keeping quoted commas inside their value. */
function directivesOf(value: string | undefined): string[] {
  if (!value) return []
  const directives: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!
    if (char === '"') quoted = !quoted
    else if (char === '\\' && quoted) {
      current += char + (value[++i] ?? '')
      continue
    }
    if (char === ',' && !quoted) {
      if (current.trim()) directives.push(current.trim())
      current = ''
    } else current += char
  }
  if (current.trim()) directives.push(current.trim())
  return directives
}

const nameOf = (directive: string) => directive.split('=', 1)[0]!.trim().toLowerCase()
