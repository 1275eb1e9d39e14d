import type { DynamicModule, Type } from '@nestjs/common';
import { AuditApiModule } from './audit/audit-api.module.js';
import { CompensationApiModule } from './compensation/compensation-api.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { GovernanceApiModule } from './governance/governance-api.module.js';
import { TrustApiModule } from './trust/trust-api.module.js';

/**
 * The bounded contexts the API serves. Each is a Nest module with its controllers, command and query handlers,
 * and `LedgerModule.forFeature({ readModels })`. Add yours here; `createApp` mounts them all.
 */
export const BOUNDED_CONTEXTS: ReadonlyArray<Type | DynamicModule> = [GovernanceApiModule.register(), CompensationApiModule.register(), DashboardModule.register(), TrustApiModule.register(), AuditApiModule.register()];
