// btoa/atob rather than Buffer: the browser entry must not rely on Node globals.

/**
 * Standard base64 of `bytes` (a signed transaction's wire bytes).
 *
 * @example toBase64(transaction.serialize())
 */
export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * The bytes of standard base64 `text`.
 *
 * @example fromBase64(payment.serialized)
 */
export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0))
}
