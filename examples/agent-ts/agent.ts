// An agent that pays for one call with callPaidEndpoint (TypeScript, ESM).
//   API_URL (the paid route), BASE_RPC_URL and PAYER_KEY (a 0x… private key holding USDC and ETH).
import { callPaidEndpoint } from '@tx402/client'
import { evmPayer } from '@tx402/client/evm'
import { createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { base } from 'viem/chains'

const { API_URL, BASE_RPC_URL, PAYER_KEY, BASE_USDC } = process.env
if (!API_URL || !BASE_RPC_URL || !PAYER_KEY) {
  throw new Error('Set API_URL, BASE_RPC_URL and PAYER_KEY.')
}

const transport = http(BASE_RPC_URL)
const walletClient = createWalletClient({
  account: privateKeyToAccount(PAYER_KEY as Hex),
  chain: base,
  transport,
})
const publicClient = createPublicClient({ chain: base, transport })

const response = await callPaidEndpoint(
  API_URL,
  {},
  {
    // A test token is not Circle's USDC: declare it by address (mainnet USDC needs nothing).
    payers: [
      evmPayer({
        walletClient,
        publicClient,
        ...(BASE_USDC ? { assets: [{ address: BASE_USDC, symbol: 'USDC', decimals: 6 }] } : {}),
      }),
    ],
    maxAmount: { USDC: '0.05' },
  },
)
console.log(response.status, await response.text())
console.log('paid with', response.headers.get('payment-response') ? 'a receipt' : 'no receipt')
