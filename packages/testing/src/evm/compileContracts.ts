import { createHash } from 'node:crypto'
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Abi, Hex } from 'viem'

/** A compiled contract: its ABI and creation bytecode. */
export interface CompiledContract {
  abi: Abi
  bytecode: Hex
}

/** The test contracts in `contracts/`, by name. */
export type ContractName =
  | 'TestToken'
  | 'FeeToken'
  | 'FalseToken'
  | 'PayRouter'
  | 'SmartWallet'
  | 'BatchPay'
  | 'SmartWalletFactory'

const contractsDir = join(dirname(fileURLToPath(import.meta.url)), 'contracts')
const cacheDir = join(contractsDir, '..', '..', '..', 'node_modules', '.cache', 'tx402-solc')
const settings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
}

let compiled: Promise<Record<ContractName, CompiledContract>> | undefined

/**
 * Compiles the Solidity test contracts with npm `solc`, once per process; the output is cached
 * on disk (under `node_modules/.cache`) keyed by the sources, settings and compiler version.
 *
 * @example const { TestToken } = await compileContracts()
 */
export function compileContracts(): Promise<Record<ContractName, CompiledContract>> {
  compiled ??= load().catch((error) => {
    compiled = undefined
    throw error
  })
  return compiled
}

async function load(): Promise<Record<ContractName, CompiledContract>> {
  const files = (await readdir(contractsDir)).filter((file) => file.endsWith('.sol')).sort()
  const sources: Record<string, { content: string }> = {}
  for (const file of files)
    sources[file] = { content: await readFile(join(contractsDir, file), 'utf8') }
  const solcVersion = createRequire(import.meta.url)('solc/package.json').version as string
  const key = createHash('sha256')
    .update(JSON.stringify({ solcVersion, settings, sources }))
    .digest('hex')
  const cacheFile = join(cacheDir, `${key}.json`)
  try {
    return JSON.parse(await readFile(cacheFile, 'utf8'))
  } catch {
    // Not cached yet: compile below.
  }
  const { default: solc } = await import('solc')
  const output = JSON.parse(
    solc.compile(JSON.stringify({ language: 'Solidity', sources, settings })),
  ) as {
    errors?: { severity: string; formattedMessage: string }[]
    contracts: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>
  }
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const result: Partial<Record<ContractName, CompiledContract>> = {}
  for (const [file, contracts] of Object.entries(output.contracts)) {
    for (const [name, contract] of Object.entries(contracts)) {
      if (`${name}.sol` !== file) continue
      result[name as ContractName] = {
        abi: contract.abi,
        bytecode: `0x${contract.evm.bytecode.object}`,
      }
    }
  }
  await mkdir(cacheDir, { recursive: true })
  // Write then rename, so a parallel run never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`
  await writeFile(partial, JSON.stringify(result))
  await rename(partial, cacheFile)
  return result as Record<ContractName, CompiledContract>
}
