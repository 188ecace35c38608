import { BaseError } from '../errors.js'

/**
 * Encodes a value as standard base64 of its UTF-8 JSON, the form of the `PAYMENT-REQUIRED` and
 * `PAYMENT-RESPONSE` headers. Works in Node and in browsers.
 *
 * @example encodeBase64Json({ success: true }) // 'eyJzdWNjZXNzIjp0cnVlfQ=='
 */
export function encodeBase64Json(value: unknown): string {
  const bytes = new TextEncoder().encode(JSON.stringify(value))
  // Chunks of bytes to one string at a time: a character per call is slow on every 402.
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/**
 * Decodes standard base64 of UTF-8 JSON; throws a `BaseError` on anything else.
 *
 * @example decodeBase64Json<{ success: boolean }>(header).success
 */
export function decodeBase64Json<T = unknown>(encoded: string): T {
  try {
    const binary = atob(encoded)
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0))
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as T
  } catch (cause) {
    throw new BaseError('Header is not base64-encoded JSON.', { cause })
  }
}
