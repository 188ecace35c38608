// A TypeScript app using every published entry point: compiled by .ci/packages.sh with tsc under
// moduleResolution node16 and bundler, skipLibCheck false and no DOM lib.

import { Connection, Keypair } from '@solana/web3.js'
import { avalanche } from '@tx402/chain-avalanche'
import { base } from '@tx402/chain-base'
import { type EvmChainPlugin, evmChain } from '@tx402/chain-evm'
import { solana } from '@tx402/chain-solana'
import { callPaidEndpoint, type PaymentJournal, wrapFetch } from '@tx402/client'
import { withPaymentInterceptor } from '@tx402/client/axios'
import { evmPayer } from '@tx402/client/evm'
import { solanaPayer } from '@tx402/client/solana'
import { type ChainPlugin, memoryLedger, type PaymentHealth, parseAmount } from '@tx402/core'
import { scriptedChain } from '@tx402/core/testing'
import { type PaidMiddleware, paymentRequired } from '@tx402/koa'
import { embeddedLedger, redisPostgresLedger } from '@tx402/ledger'
import { prometheusObserver } from '@tx402/metrics'
import axios from 'axios'
import Koa from 'koa'
import { createPublicClient, createWalletClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { base as baseChain } from 'viem/chains'

const payTo = '0x000000000000000000000000000000000000dEaD'
const chains: ChainPlugin[] = [
  base({ rpcUrl: 'http://127.0.0.1:8545', payTo }),
  avalanche({ rpcUrl: 'http://127.0.0.1:9650', payTo }),
  solana({ rpcUrl: 'http://127.0.0.1:8899', payTo: Keypair.generate().publicKey.toBase58() }),
]
const custom: EvmChainPlugin = evmChain({
  name: 'optimism',
  network: 'eip155:10',
  rpcUrls: ['http://127.0.0.1:8546'],
  payTo,
  assets: [
    { standard: 'erc20', address: payTo.replace('dEaD', 'bEEF'), symbol: 'USDC', decimals: 6 },
  ],
})
const paid: PaidMiddleware = paymentRequired({
  price: '0.01',
  chains: [...chains, custom],
  ledger: embeddedLedger({ dataDir: '.tx402-data' }),
  secret: 'x'.repeat(32),
  observer: prometheusObserver(),
})
const health: Promise<PaymentHealth> = paid.health()
new Koa().use(paid)
void redisPostgresLedger
void memoryLedger
void scriptedChain
void parseAmount('0.01', 6)
void health

// The app's own viem clients are accepted as they are (viem is a peer of @tx402/client).
const transport = http('http://127.0.0.1:8545')
const walletClient = createWalletClient({
  account: privateKeyToAccount(`0x${'11'.repeat(32)}`),
  chain: baseChain,
  transport,
})
const publicClient = createPublicClient({ chain: baseChain, transport })
const payers = [
  evmPayer({ walletClient, publicClient }),
  solanaPayer({ connection: new Connection('http://127.0.0.1:8899'), signer: Keypair.generate() }),
]
const journal: PaymentJournal | undefined = undefined
void journal
void callPaidEndpoint('http://127.0.0.1:3000/api/weather', {}, { payers })
void wrapFetch(fetch, { payers })
void withPaymentInterceptor(axios.create(), { payers })
