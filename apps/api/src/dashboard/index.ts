export { DASHBOARD_DIRECTORY, DashboardController } from './dashboard.controller.js';
export { ASSET_NAME, CONTENT_SECURITY_POLICY, defaultDashboardDirectory, NOT_BUILT_PAGE, projectRoot } from './dashboard-files.js';
export { DashboardModule, type DashboardOptions } from './dashboard.module.js';
