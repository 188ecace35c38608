import { type Address, lamports } from '@solana/kit'
import {
  createAssociatedTokenAccountIdempotentInstruction,
  createInitializeMint2Instruction,
  createInitializeTransferFeeConfigInstruction,
  createInitializeTransferHookInstruction,
  createMintToInstruction,
  createSetTransferFeeInstruction,
  ExtensionType,
  getAssociatedTokenAddressSync,
  getMintLen,
  TOKEN_2022_PROGRAM_ID,
  TOKEN_PROGRAM_ID,
} from '@solana/spl-token'
import {
  AddressLookupTableProgram,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  TransactionInstruction,
} from '@solana/web3.js'
import { FailedTransactionMetadata } from 'litesvm'
import { addressParam } from './answerSolanaRpc.js'
import { writeExtraAccountMetaList } from './extraAccountMetaList.js'
import type { LiteSvmNode } from './liteSvmNode.js'
import { accountInfo } from './readAccountState.js'
import type { SolanaRpc } from './solanaRpcTypes.js'

const memoProgram = new PublicKey('MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr')

/** The helpers of `SolanaRpc` that shape the chain before a test: funds, mints, tables, epochs. */
export type SolanaSetupHelpers = Pick<
  SolanaRpc,
  'fund' | 'createMint' | 'setTransferFee' | 'epoch' | 'setEpoch' | 'mintTo' | 'createLookupTable'
>

/**
 * The setup helpers of `startSolanaRpc`: each signs with `authority` (the fee payer and mint
 * authority) and lands through the same path as `sendTransaction`.
 *
 * @example const helpers = solanaSetupHelpers(node, authority); helpers.createMint({ decimals: 6 })
 */
export function solanaSetupHelpers(node: LiteSvmNode, authority: Keypair): SolanaSetupHelpers {
  const { svm } = node
  let setupCount = 0

  // Helpers sign with `authority` and go through the same path as `sendTransaction`; a memo with
  // a counter keeps two identical setups from being the same transaction.
  const setup = (instructions: TransactionInstruction[], signers: Keypair[] = []): void => {
    const tx = new Transaction({
      feePayer: authority.publicKey,
      recentBlockhash: svm.latestBlockhash(),
    }).add(
      ...instructions,
      new TransactionInstruction({
        programId: memoProgram,
        keys: [],
        data: Buffer.from(`tx402 setup ${++setupCount}`),
      }),
    )
    tx.sign(authority, ...signers)
    node.submit(tx.serialize(), { skipPreflight: false })
  }

  const programOf = (mint: PublicKey): PublicKey => {
    const info = accountInfo(svm, mint.toBase58())
    if (!info) throw new Error(`No mint at ${mint.toBase58()}`)
    return info.owner
  }

  return {
    fund(target, amount) {
      const result = svm.airdrop(addressParam(String(target)) as Address, lamports(amount))
      if (!result || result instanceof FailedTransactionMetadata) {
        throw new Error(`Airdrop failed: ${result}`)
      }
    },
    createMint({ decimals = 6, tokenProgram = 'token', transferFee, transferHook } = {}) {
      const mint = Keypair.generate()
      const programId = tokenProgram === 'token-2022' ? TOKEN_2022_PROGRAM_ID : TOKEN_PROGRAM_ID
      if ((transferFee || transferHook) && tokenProgram !== 'token-2022') {
        throw new Error('A transfer fee or hook needs tokenProgram: token-2022')
      }
      const extensions = [
        ...(transferFee ? [ExtensionType.TransferFeeConfig] : []),
        ...(transferHook ? [ExtensionType.TransferHook] : []),
      ]
      const space = getMintLen(extensions)
      setup(
        [
          SystemProgram.createAccount({
            fromPubkey: authority.publicKey,
            newAccountPubkey: mint.publicKey,
            lamports: Number(svm.minimumBalanceForRentExemption(BigInt(space))),
            space,
            programId,
          }),
          ...(transferFee
            ? [
                createInitializeTransferFeeConfigInstruction(
                  mint.publicKey,
                  authority.publicKey,
                  authority.publicKey,
                  transferFee.basisPoints,
                  transferFee.maximumFee,
                  programId,
                ),
              ]
            : []),
          ...(transferHook
            ? [
                createInitializeTransferHookInstruction(
                  mint.publicKey,
                  authority.publicKey,
                  transferHook.programId,
                  programId,
                ),
              ]
            : []),
          createInitializeMint2Instruction(
            mint.publicKey,
            decimals,
            authority.publicKey,
            null,
            programId,
          ),
        ],
        [mint],
      )
      if (transferHook) {
        writeExtraAccountMetaList(svm, {
          mint: mint.publicKey,
          programId: transferHook.programId,
          extraAccounts: transferHook.extraAccounts ?? [],
        })
      }
      return mint.publicKey
    },
    setTransferFee({ mint, basisPoints, maximumFee }) {
      setup([
        createSetTransferFeeInstruction(
          mint,
          authority.publicKey,
          [],
          basisPoints,
          maximumFee,
          TOKEN_2022_PROGRAM_ID,
        ),
      ])
    },
    epoch: () => svm.getClock().epoch,
    setEpoch(epoch) {
      const clock = svm.getClock()
      clock.epoch = epoch
      svm.setClock(clock)
    },
    mintTo({ mint, owner, amount }) {
      const programId = programOf(mint)
      const ata = getAssociatedTokenAddressSync(mint, owner, true, programId)
      setup([
        createAssociatedTokenAccountIdempotentInstruction(
          authority.publicKey,
          ata,
          owner,
          mint,
          programId,
        ),
        createMintToInstruction(mint, ata, authority.publicKey, amount, [], programId),
      ])
      return ata
    },
    createLookupTable(addresses) {
      const [create, table] = AddressLookupTableProgram.createLookupTable({
        authority: authority.publicKey,
        payer: authority.publicKey,
        recentSlot: node.slot(),
      })
      setup([
        create,
        AddressLookupTableProgram.extendLookupTable({
          lookupTable: table,
          authority: authority.publicKey,
          payer: authority.publicKey,
          addresses,
        }),
      ])
      return table
    },
  }
}
