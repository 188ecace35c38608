import {
  type ChallengeContext,
  challengeKey,
  choosePayer,
  deriveReference,
  errorStatus,
  InvalidChallengeError,
  InvalidTxIdError,
  judgePayer,
  judgePayment,
  proofMessage,
  resolveOffers,
  VerifierUnavailableError,
  verifyChallenge,
} from '@tx402/core'
import { openLedgerDatabase, paymentsOfTransaction } from '@tx402/ledger'
import { amountText, type PrintedAmount, printAmount } from '../assets.js'
import { chainFacts } from '../chainFacts.js'
import { type ChainFlags, chainName, configureChain, type Env, read } from '../chains.js'
import { type ExitCode, exitCodes, usageError } from '../exitCodes.js'
import { describeLedger, type LedgerFlags, ledgerConfig, ledgerLocation } from '../ledgerConfig.js'
import { fields, type OutputOptions, print } from '../output.js'
import { withProgress } from '../progress.js'
import { type LedgerRowJson, ledgerRowJson } from './ledgerRows.js'

/** Flags of `tx402 verify`. */
export interface VerifyFlags extends ChainFlags, LedgerFlags, OutputOptions {
  chain?: string
  tx?: string
  price?: string
  proof?: string
  challenge?: string
  resource?: string
  ledger?: boolean
}

/** What `tx402 verify --json` prints (README, "Operating tx402"). */
export interface VerifyReport {
  /** `confirmed`, or the `error` code the server would answer. */
  code: string
  /** The HTTP status the server would answer: 200 for `confirmed`. */
  status: number
  message: string
  chain: string
  network: string
  transaction: string
  payTo: string
  required: PrintedAmount
  /** What `payTo` received, from the chain; null unless confirmed. */
  received: PrintedAmount | null
  payer: string | null
  /** Unix seconds of the transaction's block; null when the chain does not have it. */
  blockTime: number | null
  confirmations: number | null
  commitment: string | null
  /** With `--ledger`: the ledger's rows of this transaction. */
  ledger?: { location: string; rows: LedgerRowJson[] }
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
  const chain = configureChain(chainName(flags.chain), flags, env)
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
      asset: flags.asset ?? 'USDC',
    },
    maxAge(env),
  )
  const { requirement } = offer!
  const challenge = flags.challenge
    ? readChallenge(flags, env, requirement.maxAgeSeconds)
    : undefined

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
      // The engine's own judgment of the plugin's facts (judgePayment), as a server answers.
      const terms = { requirement, challenge, now: Date.now(), clockSkewSeconds: 60 }
      const judged = judgePayment(result, terms)
      if (judged.status === 'pending') {
        return verdict('payment_pending', judged.message ?? 'The transaction is not final yet.')
      }
      if (judged.status === 'refused') return verdict(judged.reason, judged.message)
      const proof = flags.proof && {
        message: proofMessage({ network: plugin.network, txId, challengeId: challenge?.id }),
        signature: flags.proof,
      }
      const choice = judgePayer(
        await choosePayer(plugin, judged.candidates, proof || undefined),
        requirement,
      )
      if (choice.status === 'refused') return verdict(choice.reason, choice.message)
      report.received = printAmount(choice.transfer.amount, requirement.asset)
      report.payer = choice.transfer.payer
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
    const config = ledgerConfig(flags, env)
    const ledger = await withProgress('opening the ledger', () =>
      openLedgerDatabase(ledgerLocation(config)),
    )
    try {
      const rows = await paymentsOfTransaction(ledger.db, plugin.network, [txId])
      report.ledger = {
        location: describeLedger(config),
        rows: rows.map((row) => ledgerRowJson(row, env)),
      }
      const ours = rows.filter((row) => row.payTo.toLowerCase() === requirement.payTo.toLowerCase())
      // The server asks the ledger before the chain: a consumed payment is refused whatever the chain says.
      if (ours.some((row) => row.status === 'consumed')) {
        verdict('tx_already_used', 'The ledger has consumed this transaction.')
      } else if (
        ours.some((row) => row.claimExpiresAt && row.claimExpiresAt.getTime() > Date.now())
      ) {
        verdict('payment_in_progress', 'A request holds a live claim on this transaction.')
      }
    } finally {
      await ledger.close()
    }
  }
  if (exitCode === exitCodes.ok && report.code !== 'confirmed') exitCode = exitCodes.negative

  print(flags, report, () =>
    fields([
      ['verdict', `${report.code} (HTTP ${report.status})`],
      ['message', report.message],
      ['chain', `${report.chain} (${report.network})`],
      ['transaction', report.transaction],
      ['pay to', report.payTo],
      ['required', amountText(report.required)],
      ['received', report.received ? amountText(report.received) : '-'],
      ['payer', report.payer ?? '-'],
      [
        'block time',
        report.blockTime === null ? '-' : new Date(report.blockTime * 1000).toISOString(),
      ],
      [
        'confirmations',
        report.commitment
          ? `${report.commitment}${report.confirmations === null ? '' : ` (${report.confirmations})`}`
          : String(report.confirmations ?? '-'),
      ],
      ...(report.ledger
        ? ([
            [
              'ledger',
              report.ledger.rows.length
                ? report.ledger.rows
                    .map((row) => `${row.status} for ${row.resource} (payer ${row.payer})`)
                    .join('; ')
                : `no row (${report.ledger.location})`,
            ],
          ] as const)
        : []),
    ]),
  )
  return exitCode
}

function readChallenge(
  flags: VerifyFlags,
  env: Env,
  maxAgeSeconds: number,
): ChallengeContext | { invalid: string } {
  const secret = read(env, 'TX402_SECRET')
  if (!secret)
    throw usageError('--challenge needs TX402_SECRET, the secret the server signs challenges with.')
  const resource = /^([A-Za-z]+) (\/\S*)$/.exec(flags.resource ?? '')
  if (!resource) {
    throw usageError(
      '--challenge needs --resource "METHOD /path", the route the challenge was issued for.',
    )
  }
  try {
    const verified = verifyChallenge(challengeKey(secret), flags.challenge!, {
      method: resource[1]!,
      path: resource[2]!,
      graceSeconds: maxAgeSeconds || 900,
    })
    return { id: verified.id, issuedAt: verified.issuedAt, reference: deriveReference(verified.id) }
  } catch (error) {
    if (!(error instanceof InvalidChallengeError)) throw error
    return { invalid: error.shortMessage }
  }
}

function maxAge(env: Env): number | undefined {
  const raw = read(env, 'TX402_MAX_AGE_SECONDS')
  if (raw === undefined) return undefined
  if (!/^[0-9]+$/.test(raw))
    throw usageError(`TX402_MAX_AGE_SECONDS must be a whole number, got "${raw}".`)
  return Number(raw)
}
