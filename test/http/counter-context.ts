/**
 * A tiny bounded context that exists only in the HTTP tests: it plugs into the shell exactly as a real one does
 * (module, controller, DTO, command handler via Ledger.execute, read model via LedgerModule.forFeature, @Roles,
 * scope check), so the shell is tested without any real domain.
 */
import { Body, Controller, Get, Injectable, Module, Param, Post, Query } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler, Query as CqrsQuery, QueryBus, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { IsInt, Max, Min } from 'class-validator';
import { DomainError } from '../../libs/domain/src/shared/errors.js';
import type { RecordedEvent } from '../../libs/event-store/src/port.js';
import { acknowledge, type WriteAcknowledgement } from '../../libs/ledger/src/acknowledgement.js';
import type { CommandContext } from '../../libs/ledger/src/context.js';
import { LedgerModule } from '../../libs/ledger/src/ledger.module.js';
import { paginate, type Page } from '../../libs/ledger/src/pagination.js';
import { Ledger } from '../../libs/ledger/src/ledger.service.js';
import { counterDecider, type CounterCommand } from '../../libs/ledger/src/testing/counter.js';
import type { ReadModel } from '../../libs/projections/src/read-model.js';
import { CurrentActor, RequestContext, Roles } from '../../apps/api/src/auth/decorators.js';
import { assertActsFor } from '../../libs/ledger/src/scope.js';
import { PageQueryDto, ReadQueryDto } from '../../apps/api/src/http/query.dto.js';
import type { Actor } from '../../libs/ledger/src/context.js';

export class IncrementDto {
  @IsInt()
  @Min(1)
  @Max(100)
  by!: number;
}

export class ChangeCounter extends Command<WriteAcknowledgement> {
  constructor(
    readonly city: string,
    readonly counter: string,
    readonly change: CounterCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ChangeCounter)
export class ChangeCounterHandler implements ICommandHandler<ChangeCounter> {
  constructor(private readonly ledger: Ledger) {}

  async execute(command: ChangeCounter): Promise<WriteAcknowledgement> {
    const outcome = await this.ledger.execute({
      stream: `counter-${command.city}.${command.counter}`,
      decider: counterDecider,
      command: command.change,
      context: command.context,
    });
    return acknowledge(outcome);
  }
}

@Injectable()
export class CounterTotals implements ReadModel {
  readonly name = 'test.counter-totals';
  readonly version = 1;
  readonly totals = new Map<string, number>();

  apply(event: RecordedEvent): void {
    if (event.type !== 'counter.incremented') return;
    const { total } = event.data as { total: number };
    this.totals.set(event.stream, total);
  }

  canonicalState(): unknown {
    return [...this.totals.entries()].sort();
  }
}

export class GetCounter extends CqrsQuery<{ stream: string; total: number }> {
  constructor(readonly stream: string) {
    super();
  }
}

@QueryHandler(GetCounter)
export class GetCounterHandler implements IQueryHandler<GetCounter> {
  constructor(private readonly totals: CounterTotals) {}

  async execute(query: GetCounter): Promise<{ stream: string; total: number }> {
    const total = this.totals.totals.get(query.stream);
    if (total === undefined) throw new DomainError('counter_not_found', `counter ${query.stream} does not exist`, { stream: query.stream }, 404);
    return { stream: query.stream, total };
  }
}

@Controller('cities/:city/counters')
export class CounterController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly totals: CounterTotals,
    private readonly ledger: Ledger,
  ) {}

  @Post(':counter/increments')
  @Roles('admin', 'city-officer')
  increment(@Param('city') city: string, @Param('counter') counter: string, @Body() body: IncrementDto, @CurrentActor() actor: Actor, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    assertActsFor(actor, { cities: [city] });
    return this.commands.execute(new ChangeCounter(city, counter, { type: 'increment', by: body.by }, context));
  }

  @Post(':counter/touches')
  @Roles('admin', 'city-officer')
  touch(@Param('city') city: string, @Param('counter') counter: string, @CurrentActor() actor: Actor, @RequestContext() context: CommandContext): Promise<WriteAcknowledgement> {
    assertActsFor(actor, { cities: [city] });
    return this.commands.execute(new ChangeCounter(city, counter, { type: 'touch' }, context));
  }

  @Post(':counter/resets')
  resetWithoutRoles(): Promise<WriteAcknowledgement> {
    throw new Error('unreachable: a write without @Roles is refused by the guard');
  }

  @Get(':counter')
  get(@Param('city') city: string, @Param('counter') counter: string, @Query() _query: ReadQueryDto): Promise<{ stream: string; total: number }> {
    return this.queries.execute(new GetCounter(`counter-${city}.${counter}`));
  }

  /** Answers a bigint as is: the app's JSON replacer turns it into a decimal string. */
  @Get(':counter/revision')
  async revision(@Param('city') city: string, @Param('counter') counter: string): Promise<{ revision: bigint | null }> {
    return { revision: await this.ledger.store.streamRevision(`counter-${city}.${counter}`) };
  }

  @Get()
  list(@Param('city') city: string, @Query() query: PageQueryDto): Page<{ stream: string; total: number }> {
    const prefix = `counter-${city}.`;
    const rows = [...this.totals.totals.entries()].filter(([stream]) => stream.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1));
    return paginate(
      rows.map(([stream, total]) => ({ stream, total })),
      (row) => row.stream,
      query,
    );
  }
}

@Module({
  imports: [LedgerModule.forFeature({ readModels: [CounterTotals] })],
  controllers: [CounterController],
  providers: [ChangeCounterHandler, GetCounterHandler],
})
export class CounterContextModule {}
