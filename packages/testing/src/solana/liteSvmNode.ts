import {
  type Address,
  getBase58Decoder,
  getCompiledTransactionMessageDecoder,
  getTransactionDecoder,
} from '@solana/kit'
import { AddressLookupTableAccount } from '@solana/web3.js'
import { FailedTransactionMetadata, LiteSVM, type TransactionMetadata } from 'litesvm'
import { JsonRpcError } from './jsonRpcServer.js'
import type {
  AccountKey,
  Commitment,
  IndexedInstruction,
  LandedTransaction,
} from './parsedTransaction.js'
import { readAccountState } from './readAccountState.js'
import { describeFailure } from './transactionError.js'

const base58 = getBase58Decoder()
const lamportsPerSignature = 5000

/**
 * litesvm as a chain: every landed transaction gets its own slot and block time, and its
 * account states before and after, which litesvm itself does not keep.
 */
export interface LiteSvmNode {
  svm: LiteSVM
  slot(): number
  /** Executes a signed wire transaction; throws `JsonRpcError` as a node refuses one. */
  submit(wire: Uint8Array, options: { skipPreflight: boolean }): string
  transaction(signature: string): LandedTransaction | undefined
}

/**
 * Starts litesvm with the SPL Token, Token-2022, associated-token-account, memo and
 * address-lookup-table programs. New transactions land at `landAt`.
 *
 * @example const node = createLiteSvmNode({ landAt: () => 'finalized' })
 */
export function createLiteSvmNode(options: { landAt: () => Commitment }): LiteSvmNode {
  // Blockhashes are checked here, as a node does: any of the last 150 is valid, and each slot
  // has a new one (litesvm alone accepts only its latest).
  const svm = new LiteSVM().withBlockhashCheck(false)
  const recentBlockhashes: string[] = [svm.latestBlockhash()]
  let slot = svm.getClock().slot
  let slotHashes = svm.getSlotHashes().map((entry) => ({ slot: entry.slot, hash: entry.hash }))
  const history = new Map<string, LandedTransaction>()
  const decodeTransaction = getTransactionDecoder()
  const decodeMessage = getCompiledTransactionMessageDecoder()

  // A new slot per transaction, stamped with the wall clock, and kept in SlotHashes so a
  // lookup table can be created from a recent slot.
  const advance = (): void => {
    slot += 1n
    svm.warpToSlot(slot)
    const clock = svm.getClock()
    clock.unixTimestamp = BigInt(Math.floor(Date.now() / 1000))
    svm.setClock(clock)
    svm.expireBlockhash()
    recentBlockhashes.unshift(svm.latestBlockhash())
    recentBlockhashes.length = Math.min(recentBlockhashes.length, 150)
    slotHashes = [{ slot, hash: svm.latestBlockhash() }, ...slotHashes].slice(0, 512)
    svm.setSlotHashes(slotHashes)
  }

  const loadedKeys = (
    lookups: readonly {
      lookupTableAddress: Address
      writableIndexes: readonly number[]
      readonlyIndexes: readonly number[]
    }[],
  ): AccountKey[] => {
    const tables = lookups.map((lookup) => {
      const account = svm.getAccount(lookup.lookupTableAddress)
      if (!account.exists) throw refused('AddressLookupTableNotFound')
      return AddressLookupTableAccount.deserialize(account.data).addresses
    })
    const pick = (indexes: readonly number[], table: number, writable: boolean): AccountKey[] =>
      indexes.map((index) => {
        const address = tables[table]?.[index]
        if (!address) throw refused('InvalidAddressLookupTableIndex')
        return { pubkey: address.toBase58(), signer: false, writable, source: 'lookupTable' }
      })
    return [
      ...lookups.flatMap((lookup, table) => pick(lookup.writableIndexes, table, true)),
      ...lookups.flatMap((lookup, table) => pick(lookup.readonlyIndexes, table, false)),
    ]
  }

  const submit = (wire: Uint8Array, { skipPreflight }: { skipPreflight: boolean }): string => {
    let transaction: ReturnType<typeof decodeTransaction.decode>
    let message: ReturnType<typeof decodeMessage.decode>
    try {
      transaction = decodeTransaction.decode(wire)
      message = decodeMessage.decode(transaction.messageBytes)
    } catch {
      throw new JsonRpcError(-32602, 'invalid transaction: failed to deserialize')
    }
    if (message.version === 1) throw new JsonRpcError(-32602, 'unsupported transaction version')
    const { header, staticAccounts } = message
    const signers = header.numSignerAccounts
    const staticKeys = staticAccounts.map(
      (pubkey, index): AccountKey => ({
        pubkey,
        signer: index < signers,
        writable:
          index < signers
            ? index < signers - header.numReadonlySignerAccounts
            : index < staticAccounts.length - header.numReadonlyNonSignerAccounts,
        source: 'transaction',
      }),
    )
    if (!recentBlockhashes.includes(message.lifetimeToken)) throw refused('BlockhashNotFound')
    const lookups = message.version === 0 ? (message.addressTableLookups ?? []) : []
    const accountKeys = [...staticKeys, ...loadedKeys(lookups)]

    // The new slot comes first: lookup-table keys extended in the last slot are active in it.
    advance()
    if (!skipPreflight) {
      const simulated = svm.simulateTransaction(transaction)
      if (simulated instanceof FailedTransactionMetadata) {
        const { err } = describeFailure(simulated)
        throw new JsonRpcError(-32002, `Transaction simulation failed: ${JSON.stringify(err)}`, {
          err,
          logs: simulated.meta().logs(),
          accounts: null,
          unitsConsumed: Number(simulated.meta().computeUnitsConsumed()),
          returnData: null,
        })
      }
    }

    const pre = accountKeys.map((key) => readAccountState(svm, key.pubkey))
    const result = svm.sendTransaction(transaction)
    let meta: TransactionMetadata
    let err: LandedTransaction['err'] = null
    if (result instanceof FailedTransactionMetadata) {
      const failure = describeFailure(result)
      if (!failure.landed) throw refused(failure.err)
      err = failure.err
      meta = result.meta()
    } else {
      meta = result
    }
    const signatures = Object.values(transaction.signatures).map((bytes) =>
      base58.decode(bytes ?? new Uint8Array(64)),
    )
    const signature = signatures[0]!
    const indexed = (ix: {
      programAddressIndex: number
      accountIndices?: number[]
      data?: Uint8Array | { readonly [n: number]: number; length: number }
    }): IndexedInstruction => ({
      programIdIndex: ix.programAddressIndex,
      accounts: ix.accountIndices ?? [],
      data: Uint8Array.from(ix.data ?? []),
      stackHeight: null,
    })
    history.set(signature, {
      signatures,
      slot: Number(slot),
      blockTime: Number(svm.getClock().unixTimestamp),
      version: message.version,
      recentBlockhash: message.lifetimeToken,
      accountKeys,
      instructions: message.instructions.map(indexed),
      addressTableLookups:
        message.version === 0
          ? lookups.map((lookup) => ({
              accountKey: lookup.lookupTableAddress,
              writableIndexes: [...lookup.writableIndexes],
              readonlyIndexes: [...lookup.readonlyIndexes],
            }))
          : null,
      innerInstructions: meta
        .innerInstructions()
        .map((inner, index) => ({
          index,
          instructions: inner.map((entry) => {
            const ix = entry.instruction()
            return {
              programIdIndex: ix.programIdIndex(),
              accounts: [...ix.accounts()],
              data: ix.data(),
              stackHeight: entry.stackHeight(),
            }
          }),
        }))
        .filter((inner) => inner.instructions.length > 0),
      pre,
      post: accountKeys.map((key) => readAccountState(svm, key.pubkey)),
      err,
      fee: lamportsPerSignature * signers,
      logMessages: meta.logs(),
      computeUnitsConsumed: Number(meta.computeUnitsConsumed()),
      commitment: options.landAt(),
    })
    return signature
  }

  return {
    svm,
    slot: () => Number(slot),
    submit,
    transaction: (signature) => history.get(signature),
  }
}

// A transaction a node refuses before execution, as `sendTransaction` reports it.
function refused(err: unknown): JsonRpcError {
  return new JsonRpcError(-32002, `Transaction simulation failed: ${JSON.stringify(err)}`, {
    err,
    logs: [],
    accounts: null,
    unitsConsumed: 0,
    returnData: null,
  })
}
