import type { JournalEntry } from '../journal/types.js'

/** An entry as the client writes it. */
export function sampleEntry(
  challengeId: string,
  overrides: Partial<JournalEntry> = {},
): JournalEntry {
  return {
    challengeId,
    resource: 'http://127.0.0.1:1 GET /api/weather',
    chain: 'base',
    network: 'eip155:8453',
    payment: { txId: `0x${'ab'.repeat(32)}`, serialized: '0x02f8', from: '0x01', validUntil: 7 },
    asset: { standard: 'erc20', address: '0xa', symbol: 'USDC', decimals: 6 },
    amount: '10000',
    payTo: '0x02',
    state: 'signed',
    createdAt: 1,
    ...overrides,
  }
}
