// A payer process that is killed (SIGKILL) right after the journal records its payment in the
// state named by DIE_AFTER: `signed` (never broadcast) or `broadcast`. Run by journalRecovery.test.ts.
import { createPublicClient, createWalletClient, defineChain, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { callPaidEndpoint } from '../callPaidEndpoint.js'
import { evmPayer } from '../evm/evmPayer.js'
import { fileJournal } from './fileJournal.js'

const env = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}
const rpcUrl = env('RPC_URL')
const chain = defineChain({
  id: Number(env('CHAIN_ID')),
  name: 'anvil',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
})
const account = privateKeyToAccount(env('PRIVATE_KEY') as Hex)
const transport = http(rpcUrl)
const journal = fileJournal(env('JOURNAL'), (entry) => {
  if (entry.state === env('DIE_AFTER')) process.kill(process.pid, 'SIGKILL')
})
await callPaidEndpoint(
  env('TX402_URL'),
  {},
  {
    payers: [
      evmPayer({
        walletClient: createWalletClient({ account, chain, transport }),
        publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }),
        assets: [{ address: env('TOKEN'), symbol: 'USDC', decimals: 6 }],
      }),
    ],
    journal,
  },
)
// Reaching this line means the kill did not happen: the test fails on the exit code.
process.exit(3)
