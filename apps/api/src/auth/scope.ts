/** Moved to the ledger: the one scope rule (libs/ledger/src/scope.ts). */
export { actsFor, assertActsFor, OutOfScopeError, type ScopeTarget } from '../../../../libs/ledger/src/scope.js';
