/** Injection tokens of the ledger module (interfaces have no runtime identity, so these stand in for them). */
export const EVENT_STORE = Symbol('concordat.EventStore');
export const LEDGER_CLOCK = Symbol('concordat.LedgerClock');
export const LEDGER_CONFIG = Symbol('concordat.LedgerConfig');
