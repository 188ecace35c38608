// The demo page's script, bundled by esbuild for the browser: shows the 402 challenge of
// /api/weather, then pays it from a local test wallet with @tx402/client.
import { callPaidEndpoint } from '@tx402/client'
import { evmPayer } from '@tx402/client/evm'
import { createPublicClient, createWalletClient, defineChain, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

declare const DEMO_WALLET: {
  rpcUrl: string
  chainId: number
  privateKey: `0x${string}`
  usdc: `0x${string}`
  apiOrigin: string
  timeoutMs: number
}

const chain = defineChain({
  id: DEMO_WALLET.chainId,
  name: `local ${DEMO_WALLET.chainId}`,
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: [DEMO_WALLET.rpcUrl] } },
})
const account = privateKeyToAccount(DEMO_WALLET.privateKey)
const payer = evmPayer({
  walletClient: createWalletClient({ account, chain, transport: http(DEMO_WALLET.rpcUrl) }),
  publicClient: createPublicClient({ chain, transport: http(DEMO_WALLET.rpcUrl) }),
  assets: [{ address: DEMO_WALLET.usdc, symbol: 'USDC', decimals: 6 }],
})

const weatherUrl = `${DEMO_WALLET.apiOrigin}/api/weather`
const byId = (id: string) => document.getElementById(id)!
const show = (id: string, value: unknown) => {
  byId(id).textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2)
}

async function loadChallenge(): Promise<void> {
  const response = await fetch(weatherUrl)
  const body = await response.json()
  show('challenge', { status: response.status, ...body })
  show('wallet', `${account.address} on chain ${DEMO_WALLET.chainId}`)
}

async function pay(): Promise<void> {
  const button = byId('pay') as HTMLButtonElement
  button.disabled = true
  show('status', 'paying…')
  try {
    const response = await callPaidEndpoint(
      weatherUrl,
      {},
      {
        payers: [payer],
        preferredChains: [`eip155:${DEMO_WALLET.chainId}`],
        timeoutMs: DEMO_WALLET.timeoutMs,
      },
    )
    const weather = await response.json()
    // The receipt header: readable from another origin only when the API exposes it (CORS).
    const receipt = response.headers.get('payment-response')
    show('receipt', receipt ? JSON.parse(atob(receipt)) : 'no PAYMENT-RESPONSE header readable')
    show('result', weather)
    show('status', `paid: ${response.status}`)
    byId('result').dataset.state = 'paid'
  } catch (error) {
    show('status', `failed: ${error instanceof Error ? error.message : String(error)}`)
    byId('result').dataset.state = 'failed'
  } finally {
    button.disabled = false
  }
}

byId('pay').addEventListener('click', () => void pay())
void loadChallenge()
