/**
 * One raw `eth_getTransactionReceipt` round trip by `fetch`, no client library: the floors' RPC
 * part. Throws unless the node answers a successful receipt (status 0x1).
 *
 * @example await rawReceipt(rpcUrl, hash, 1)
 */
export async function rawReceipt(rpcUrl: string, hash: string, id: number): Promise<void> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id,
      method: 'eth_getTransactionReceipt',
      params: [hash],
    }),
  })
  const body = (await response.json()) as { result?: { status?: string } }
  if (body.result?.status !== '0x1') throw new Error(`no receipt for ${hash}`)
}
