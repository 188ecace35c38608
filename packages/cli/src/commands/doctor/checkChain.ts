import { Connection } from '@solana/web3.js'
import { BaseError } from '@tx402/core'
import { createPublicClient, http } from 'viem'
import { type ChainName, type ConfiguredChain, configureChain, type Env } from '../../chains.js'
import { describeFailure } from '../../exitCodes.js'
import type { DoctorCheck } from './doctorCheck.js'

/**
 * `tx402 doctor`'s checks of one chain: `rpc <name>` (its variables configure a plugin, whose RPC
 * answers and serves the configured network) and `clock <name>` (the latest block's time agrees
 * with this machine's clock within `skew` seconds). Never throws: a failure is a failed check.
 *
 * @example const [rpc, clock] = await checkChain('base', process.env, 60)
 */
export async function checkChain(name: ChainName, env: Env, skew: number): Promise<DoctorCheck[]> {
  const variable = `${name.toUpperCase()}_RPC_URL`
  let chain: ConfiguredChain
  try {
    chain = configureChain(name, {}, env)
  } catch (error) {
    return [
      {
        name: `rpc ${name}`,
        ok: false,
        detail: describeFailure(error).message,
        fix: `fix the ${name.toUpperCase()}_* variables (README, "The demo API's configuration")`,
        failure: 'configuration',
      },
    ]
  }
  const { plugin } = chain
  try {
    await plugin.ready?.()
  } catch (error) {
    return [
      {
        name: `rpc ${name}`,
        ok: false,
        detail: describeFailure(error).message,
        fix: `point ${variable} at a node of ${plugin.network} that answers from this machine`,
        failure: 'unreachable',
      },
    ]
  } finally {
    await plugin.close?.()
  }
  const rpc: DoctorCheck = {
    name: `rpc ${name}`,
    ok: true,
    detail: `answers and serves ${plugin.network}`,
  }
  let blockTime: number
  try {
    blockTime = await latestBlockTime(chain)
  } catch (error) {
    return [
      rpc,
      {
        name: `clock ${name}`,
        ok: false,
        detail: `the latest block's time could not be read: ${error instanceof BaseError ? error.shortMessage : (error as Error).message?.split('\n')[0]}`,
        fix: `check that ${variable} serves blocks (eth_getBlockByNumber / getBlockTime)`,
        failure: 'unreachable',
      },
    ]
  }
  const drift = Math.round(blockTime - Date.now() / 1000)
  const clock: DoctorCheck =
    Math.abs(drift) <= skew
      ? {
          name: `clock ${name}`,
          ok: true,
          detail: `latest block ${describeDrift(drift)}, within ${skew} s`,
        }
      : {
          name: `clock ${name}`,
          ok: false,
          detail: `latest block ${describeDrift(drift)}, beyond ${skew} s`,
          fix:
            drift < 0
              ? `sync this machine's clock (NTP), or use an RPC that is not behind on ${name}`
              : "sync this machine's clock (NTP): it is behind the chain",
          failure: 'negative',
        }
  return [rpc, clock]
}

async function latestBlockTime(chain: ConfiguredChain): Promise<number> {
  if (chain.family === 'evm') {
    const client = createPublicClient({
      transport: http(chain.rpcUrl, { retryCount: 0, timeout: 5_000 }),
    })
    return Number((await client.getBlock({ blockTag: 'latest' })).timestamp)
  }
  const connection = new Connection(chain.rpcUrl, 'confirmed')
  const time = await connection.getBlockTime(await connection.getSlot('confirmed'))
  if (time === null) throw new Error('the RPC has no time for its latest slot')
  return time
}

function describeDrift(seconds: number): string {
  if (seconds === 0) return 'agrees with this clock'
  return `${Math.abs(seconds)} s ${seconds < 0 ? 'behind' : 'ahead of'} this clock`
}
