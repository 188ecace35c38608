import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ChainPlugin, decodeBase64Json, type PaymentCredit } from '@tx402/core'
import {
  type AnvilNode,
  deployTestToken,
  forwardJsonRpc,
  type JsonRpcServer,
  serveJsonRpc,
  startAnvil,
} from '@tx402/testing/evm'
import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { payOnAnvil } from '../delivery/anvilPayment.js'
import { usdcOnBase } from '../usdcOnBase.js'
import { type CreditAppOptions, createCreditApp } from './creditApp.js'

/** anvil with a test USDC, reached through an RPC proxy that counts every call. */
export interface AnvilCredit {
  node: AnvilNode
  token: Address
  payTo: Address
  /** The proxy's URL: what the plugins use. */
  rpcUrl: string
  /** JSON-RPC calls the proxy forwarded so far. */
  readonly rpcCalls: number
  chain(): ChainPlugin
  close(): Promise<void>
}

/** Starts anvil (Base's chain id) with 100 USDC for dev accounts 1 and 2, paying a fresh wallet. */
export async function startAnvilCredit(): Promise<AnvilCredit> {
  const node = await startAnvil({ chainId: 8453 })
  const payers = [node.accounts[1]!.address, node.accounts[2]!.address]
  const token = await deployTestToken(node, { mint: payers.map((p) => [p, 100_000_000n]) })
  let rpcCalls = 0
  const rpc: JsonRpcServer = await serveJsonRpc(
    forwardJsonRpc(node.rpcUrl, {
      refuse: () => {
        rpcCalls++
        return false
      },
    }),
  )
  // A wallet of this run only: the suite's database outlives anvil, whose hashes repeat.
  const payTo = privateKeyToAccount(generatePrivateKey()).address
  return {
    node,
    token,
    payTo,
    rpcUrl: rpc.url,
    get rpcCalls() {
      return rpcCalls
    },
    chain: () => usdcOnBase({ rpcUrl: rpc.url, token, payTo }, { retryCount: 0 }),
    async close() {
      await rpc.close()
      await node.stop()
    },
  }
}

/**
 * The credit app listening on loopback, on `port` (default: a free one; a port a closed app used
 * gives the next version of the API the same origin, as a rolling deploy does).
 */
export async function listenCreditApp(options: CreditAppOptions, port = 0) {
  const server: Server = createCreditApp(options).listen(port, '127.0.0.1')
  await once(server, 'listening')
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/credit`,
    server,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/**
 * Pays `amount` base units as the 402 of `url` asks (dev account `account` signs the transfer
 * and the proof), and presents it, with `token` to top up. The response and its PAYMENT-CREDIT.
 */
export async function payFor(
  lab: AnvilCredit,
  url: string,
  amount: bigint,
  { account = 1, token }: { account?: number; token?: string } = {},
) {
  const { hash, headers } = await payOnAnvil(lab, url, { amount, account })
  const response = await fetch(url, {
    headers: { ...headers, ...(token ? { 'x-payment-credit': token } : {}) },
  })
  const header = response.headers.get('payment-credit')
  return {
    response,
    hash,
    credit: header ? decodeBase64Json<PaymentCredit>(header) : undefined,
  }
}
