/**
 * A JSON object whose serialization is exactly `bytes` long (at least 24), for a bare route that
 * answers as much as the route it is compared with.
 *
 * @example JSON.stringify(paddedBody(1500)).length // 1500
 */
export function paddedBody(bytes: number): { ok: true; padding: string } {
  const empty = JSON.stringify({ ok: true, padding: '' }).length
  return { ok: true, padding: 'x'.repeat(Math.max(0, bytes - empty)) }
}
