import { Option, type Command } from 'commander';
import { issueToken, parseTtl, TokenRejectedError } from '../../../api/src/auth/tokens.js';
import { isRole, ROLES, type Role } from '../../../../libs/ledger/src/context.js';
import { CliError, type CliIo } from '../io.js';
import type { CliCommand } from './command.js';

interface TokenOptions {
  role: string;
  city?: string;
  body?: string;
  fund?: string;
  sub?: string;
  ttl: string;
}

export const tokenCommand: CliCommand = {
  name: 'token',
  register(program: Command, io: CliIo): void {
    program
      .command('token')
      .description('print a signed bearer token for local use (needs CONCORDAT_JWT_SECRET, the same the server uses)')
      .addOption(new Option('--role <role>', 'the role the token grants').choices(ROLES).makeOptionMandatory())
      .option('--city <city>', 'city scope (city-officer, finance-officer)')
      .option('--body <body>', 'coordination body scope (coordinator)')
      .option('--fund <fund>', 'fund scope (finance-officer)')
      .option('--sub <subject>', 'who the token names (default: <role>-cli)')
      .option('--ttl <ttl>', 'lifetime: 90s, 30m, 8h, 7d (at most 30d)', '8h')
      .action(async (options: TokenOptions) => {
        const secret = io.env.CONCORDAT_JWT_SECRET;
        if (secret === undefined || secret.trim() === '') {
          throw new CliError('CONCORDAT_JWT_SECRET is not set: the token must be signed with the secret the server verifies with');
        }
        if (!isRole(options.role)) throw new CliError(`--role must be one of ${ROLES.join(', ')}`);
        const role: Role = options.role;
        let ttlSeconds: number;
        try {
          ttlSeconds = parseTtl(options.ttl);
        } catch (error) {
          throw new CliError(`--ttl: ${error instanceof Error ? error.message : String(error)}`);
        }
        try {
          const token = await issueToken(secret.trim(), { sub: options.sub ?? `${role}-cli`, role, city: options.city, body: options.body, fund: options.fund }, ttlSeconds);
          io.out(token);
        } catch (error) {
          if (error instanceof TokenRejectedError) throw new CliError(error.message);
          throw error;
        }
      });
  },
};
