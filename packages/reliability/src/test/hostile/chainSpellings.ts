// Spellings of a payment's chain: the protocol's names for Base in any case, and names that are
// not Base (other chains, near misses, whitespace and look-alike unicode inside).

export const validChains = [
  'base',
  'BASE',
  'Base',
  'bAsE',
  'eip155:8453',
  'EIP155:8453',
  'Eip155:8453',
]
export const otherChains = [
  'base-sepolia',
  'eip155:84532',
  'avalanche',
  'avalanche-fuji',
  'eip155:43114',
  'eip155:43113',
  'solana',
  'solana-devnet',
  'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
  'eip155:1',
  'eip155:08453',
  'eip155:8453:0',
  'eip155',
  'eip155:',
  ':8453',
  '8453',
  '0x2105',
  'EIP-155:8453',
  'eip155/8453',
  'eip155::8453',
  'eip155:8453;',
  'base.',
  'base%20',
  'bas',
  'basee',
  'base_mainnet',
  'ethereum',
  '*',
  'null',
  'undefined',
  '[object Object]',
  '"base"',
  "'base'",
]
// Inside values (edges are trimmed): still no chain.
export const spacedChains = ['ba se', 'eip155: 8453', 'eip155 :8453', 'base\tx', 'base base']
export const unicodeChains = [
  'bаse',
  'ｂａｓｅ',
  'base\u200b',
  '\ufeffbase',
  'base\u00a0',
  'eip155:８４５３',
  'βase',
]
