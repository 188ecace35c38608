import {
  defaultClockSkewSeconds,
  errorStatus,
  InvalidTxIdError,
  isRefusal,
  judgeChainReport,
  resolveOffers,
  VerifierUnavailableError,
} from '@tx402/core'
import { printAmount } from '../assets.js'
import { chainFacts } from '../chainFacts.js'
import { type ChainFlags, chainName, configureChain, type Env, read } from '../chains.js'
import { type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import type { LedgerFlags } from '../ledgerConfig.js'
import type { OutputOptions } from '../output.js'
import { withProgress } from '../progress.js'
import { withTokenFacts } from '../tokenFacts.js'
import { ledgerVerdict } from './verify/ledgerVerdict.js'
import { readChallenge } from './verify/readChallenge.js'
import { printVerifyReport, type VerifyReport } from './verify/verifyReport.js'

export type { VerifyReport } from './verify/verifyReport.js'

/** Flags of `tx402 verify`. */
export interface VerifyFlags extends ChainFlags, LedgerFlags, OutputOptions {
  chain?: string
  tx?: string
  price?: string
  proof?: string
  challenge?: string
  resource?: string
  /** `clockSkewSeconds` of the server, whole seconds. Default: the engine's (`defaultClockSkewSeconds`). */
  clockSkew?: string
  ledger?: boolean
}

/**
 * `tx402 verify`: runs the chain plugin a server would run against the chain, then the engine's
 * own checks (amount, challenge, proof), and prints the verdict the server would answer, touching
 * no ledger unless `--ledger` (then a consumed row answers `tx_already_used`, as the server does).
 * Exits 0 when confirmed, 1 for any other verdict, 3 when the RPC or ledger fails.
 */
export async function verifyCommand(flags: VerifyFlags, env: Env): Promise<ExitCode> {
  if (!flags.tx) throw usageError('--tx is required: the transaction hash or signature.')
  if (!flags.price) throw usageError("--price is required: the route's price, e.g. 0.01.")
  const name = chainName(flags.chain)
  // A named token's decimals come from the chain unless configured: never a guess of 6.
  const chainFlags = await withTokenFacts(name, flags, env)
  const chain = configureChain(name, chainFlags, env)
  const { plugin } = chain
  let txId: string
  try {
    txId = plugin.normalizeTxId(flags.tx)
  } catch (error) {
    const reason = error instanceof InvalidTxIdError ? error.shortMessage : 'malformed'
    throw usageError(`--tx: ${reason}`)
  }
  const [offer] = resolveOffers(
    [plugin],
    {
      price: flags.price,
      asset: chainFlags.asset ?? 'USDC',
    },
    maxAge(env),
  )
  const { requirement } = offer!
  const challenge = flags.challenge ? readChallenge(flags, env) : undefined
  const clockSkewSeconds = clockSkew(flags.clockSkew)

  const report: VerifyReport = {
    code: 'confirmed',
    status: 200,
    message: '',
    chain: plugin.name,
    network: plugin.network,
    transaction: txId,
    payTo: requirement.payTo,
    required: printAmount(requirement.amount, requirement.asset),
    received: null,
    payer: null,
    blockTime: null,
    confirmations: null,
    commitment: null,
  }
  const verdict = (code: keyof typeof errorStatus | 'confirmed', message: string) => {
    report.code = code
    report.status = code === 'confirmed' ? 200 : errorStatus[code]
    report.message = message
  }

  let exitCode: ExitCode = exitCodes.ok
  try {
    await withProgress(`verifying ${txId} on ${plugin.name}`, async () => {
      if (challenge && 'invalid' in challenge)
        return verdict('challenge_invalid', challenge.invalid)
      await plugin.ready?.()
      const result = await plugin.verify({ txId, requirement, challenge })
      const facts = await chainFacts(chain, txId)
      Object.assign(report, facts)
      // The engine's own judgment (judgeChainReport), as a server answers: price, asset, payee,
      // age, challenge time, binding and which payer, with the proof checked by the plugin.
      const judged = await judgeChainReport(plugin, result, {
        txId,
        requirement,
        challenge,
        proof: flags.proof || undefined,
        clockSkewSeconds,
      })
      if (isRefusal(judged)) return verdict(judged.refuse, judged.message)
      report.received = printAmount(judged.amount, requirement.asset)
      report.payer = judged.payer
      report.blockTime = result.status === 'confirmed' ? result.blockTime : null
      verdict('confirmed', 'The transaction pays for this request.')
    })
  } catch (error) {
    if (!(error instanceof VerifierUnavailableError)) throw error
    verdict(
      'verifier_unavailable',
      error.details ? `${error.shortMessage} ${error.details}` : error.shortMessage,
    )
    exitCode = exitCodes.unreachable
  }

  if (flags.ledger && exitCode === exitCodes.ok) {
    await ledgerVerdict(flags, env, report, requirement.payTo, verdict)
  }
  if (exitCode === exitCodes.ok && report.code !== 'confirmed') exitCode = exitCodes.negative

  printVerifyReport(flags, report)
  return exitCode
}

// The server's `clockSkewSeconds`: the engine's default unless the server sets its own.
function clockSkew(raw: string | undefined): number {
  if (raw === undefined) return defaultClockSkewSeconds
  if (!/^[0-9]+$/.test(raw))
    throw usageError(`--clock-skew must be a whole number of seconds, got "${raw}".`)
  return Number(raw)
}

function maxAge(env: Env): number | undefined {
  const raw = read(env, 'TX402_MAX_AGE_SECONDS')
  if (raw === undefined) return undefined
  if (!/^[0-9]+$/.test(raw))
    throw usageError(`TX402_MAX_AGE_SECONDS must be a whole number, got "${raw}".`)
  return Number(raw)
}
