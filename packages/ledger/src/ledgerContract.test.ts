import { memoryLedger } from '@tx402/core'
import { describeLedgerContract } from './test/ledgerContract.js'

// The reference semantics: the contract suite is checked against core's memory ledger first.
describeLedgerContract('memoryLedger (reference)', () => memoryLedger())
