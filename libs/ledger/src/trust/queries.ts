/** Query messages and handlers of trust: reads of the trust projection at an instant, on a basis. */
import { Inject, Injectable } from '@nestjs/common';
import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { notFound } from '../../../domain/src/shared/errors.js';
import { instant } from '../../../domain/src/shared/time.js';
import type { Clock } from '../../../event-store/src/clock.js';
import type { TrustBasis } from '../../../projections/src/trust/evidence.js';
import { LEDGER_CLOCK } from '../tokens.js';
import { defaultSeriesFrom, seriesInstants, type SeriesStep } from './series.js';
import { LedgerTrustReadModel } from './trust.read-model.js';
import { answerView, type BodyMatrixView, type BodyRankingView, type TrustAllianceView, type TrustAnswerView, type TrustSeriesView } from './views.js';

/** When and how a trust question is asked: `asOfMs` defaults to the ledger clock's now, `basis` to recorded. */
export interface TrustAt {
  asOfMs?: number;
  basis?: TrustBasis;
}

export interface Explained extends TrustAt {
  explain?: boolean;
}

/** Points of a series when `from` is not given: two years of months, as the dashboard's sparklines show. */
export const DEFAULT_SERIES_POINTS = 24;

export interface CityTrustAt extends Explained {
  /** Leave findings out: what the city's commitments alone say, to show what its findings cost. */
  withoutFindings?: boolean;
}

export class GetCityTrust extends Query<TrustAnswerView> {
  constructor(
    readonly cityId: string,
    readonly at: CityTrustAt = {},
  ) {
    super();
  }
}

export class GetCityTrustSeries extends Query<TrustSeriesView> {
  constructor(
    readonly cityId: string,
    readonly range: { fromMs?: number; toMs?: number; step?: SeriesStep; basis?: TrustBasis } = {},
  ) {
    super();
  }
}

export class GetPairTrust extends Query<TrustAnswerView> {
  constructor(
    readonly truster: string,
    readonly trustee: string,
    readonly at: Explained = {},
  ) {
    super();
  }
}

export class GetBodyTrustMatrix extends Query<BodyMatrixView> {
  constructor(
    readonly bodyId: string,
    readonly at: Explained = {},
  ) {
    super();
  }
}

export class GetBodyTrustRanking extends Query<BodyRankingView> {
  constructor(
    readonly bodyId: string,
    readonly at: Explained = {},
  ) {
    super();
  }
}

export class GetBodyTrustAlliance extends Query<TrustAllianceView> {
  constructor(
    readonly bodyId: string,
    readonly at: TrustAt = {},
  ) {
    super();
  }
}

/** Injectable, so the handlers below inherit its constructor's injections. */
@Injectable()
abstract class TrustQueryHandler {
  constructor(
    protected readonly trust: LedgerTrustReadModel,
    @Inject(LEDGER_CLOCK) protected readonly clock: Clock,
  ) {}

  /** The instant asked about, fixed once so every part of one answer is taken at the same instant. */
  protected at(at: TrustAt): { asOf: number; basis: TrustBasis } {
    return { asOf: at.asOfMs ?? this.clock.nowMs(), basis: at.basis ?? 'recorded' };
  }

  protected city(cityId: string): string {
    if (!this.trust.knowsCity(cityId)) throw notFound('city', cityId);
    return cityId;
  }

  protected body(bodyId: string): string {
    if (!this.trust.knowsBody(bodyId)) throw notFound('body', bodyId);
    return bodyId;
  }
}

@QueryHandler(GetCityTrust)
export class GetCityTrustHandler extends TrustQueryHandler implements IQueryHandler<GetCityTrust> {
  async execute({ cityId, at }: GetCityTrust): Promise<TrustAnswerView> {
    return answerView(this.trust.cityTrust(this.city(cityId), { ...this.at(at), explain: at.explain === true, withoutFindings: at.withoutFindings === true }));
  }
}

@QueryHandler(GetCityTrustSeries)
export class GetCityTrustSeriesHandler extends TrustQueryHandler implements IQueryHandler<GetCityTrustSeries> {
  async execute({ cityId, range }: GetCityTrustSeries): Promise<TrustSeriesView> {
    const city = this.city(cityId);
    const step = range.step ?? 'month';
    const basis = range.basis ?? 'recorded';
    const toMs = range.toMs ?? this.clock.nowMs();
    const fromMs = range.fromMs ?? defaultSeriesFrom(toMs, step, DEFAULT_SERIES_POINTS);
    const points = seriesInstants(fromMs, toMs, step).map((asOf) => {
      const answer = this.trust.cityTrust(city, { asOf, basis });
      return { asOf: answer.asOf, trust: answer.trust, confidence: answer.confidence, band: answer.band, score: answer.score0To100 };
    });
    return { cityId: city, basis, step, from: instant(fromMs), to: instant(toMs), parameterSet: this.trust.parameters.id, points };
  }
}

@QueryHandler(GetPairTrust)
export class GetPairTrustHandler extends TrustQueryHandler implements IQueryHandler<GetPairTrust> {
  async execute({ truster, trustee, at }: GetPairTrust): Promise<TrustAnswerView> {
    return answerView(this.trust.pairTrust(this.city(truster), this.city(trustee), { ...this.at(at), explain: at.explain === true }));
  }
}

@QueryHandler(GetBodyTrustMatrix)
export class GetBodyTrustMatrixHandler extends TrustQueryHandler implements IQueryHandler<GetBodyTrustMatrix> {
  async execute({ bodyId, at }: GetBodyTrustMatrix): Promise<BodyMatrixView> {
    const matrix = this.trust.bodyMatrix(this.body(bodyId), { ...this.at(at), explain: at.explain === true });
    const cells = matrix.pairs.map((pair) => {
      const subject = pair.subject;
      const [truster, trustee] = subject.kind === 'pair' ? [subject.truster, subject.trustee] : [subject.city, subject.city];
      return { ...answerView(pair), truster, trustee };
    });
    return { bodyId, asOf: matrix.asOf, basis: matrix.basis, parameterSet: matrix.parameterSet, members: matrix.members, cells };
  }
}

@QueryHandler(GetBodyTrustRanking)
export class GetBodyTrustRankingHandler extends TrustQueryHandler implements IQueryHandler<GetBodyTrustRanking> {
  async execute({ bodyId, at }: GetBodyTrustRanking): Promise<BodyRankingView> {
    const { asOf, basis } = this.at(at);
    const ranked = this.trust.ranking(this.body(bodyId), { asOf, basis, explain: at.explain === true });
    return {
      bodyId,
      asOf: instant(asOf),
      basis,
      parameterSet: this.trust.parameters.id,
      items: ranked.map((c) => ({ ...answerView(c), rank: c.rank, cityId: c.city })),
    };
  }
}

@QueryHandler(GetBodyTrustAlliance)
export class GetBodyTrustAllianceHandler extends TrustQueryHandler implements IQueryHandler<GetBodyTrustAlliance> {
  async execute({ bodyId, at }: GetBodyTrustAlliance): Promise<TrustAllianceView> {
    const alliance = this.trust.alliance(this.body(bodyId), this.at(at));
    return { bodyId, asOf: alliance.asOf, basis: alliance.basis, parameterSet: alliance.parameterSet, members: alliance.members };
  }
}

export const TRUST_QUERY_HANDLERS = [
  GetCityTrustHandler,
  GetCityTrustSeriesHandler,
  GetPairTrustHandler,
  GetBodyTrustMatrixHandler,
  GetBodyTrustRankingHandler,
  GetBodyTrustAllianceHandler,
] as const;
