import { Module, type DynamicModule } from '@nestjs/common';
import { DASHBOARD_DIRECTORY, DashboardController } from './dashboard.controller.js';
import { defaultDashboardDirectory } from './dashboard-files.js';

export interface DashboardOptions {
  /** Directory of the built dashboard; default dist/dashboard under the project root. */
  directory?: string;
}

/** The web dashboard, served by the API itself. Works (with a 503 page at `/`) before the dashboard is built. */
@Module({})
export class DashboardModule {
  static register(options: DashboardOptions = {}): DynamicModule {
    return {
      module: DashboardModule,
      controllers: [DashboardController],
      providers: [{ provide: DASHBOARD_DIRECTORY, useValue: options.directory ?? defaultDashboardDirectory() }],
    };
  }
}
