import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import { IsString, Matches, ValidateNested, validateSync } from 'class-validator';
import { memoizeValidationMetadata } from './validation-metadata-cache.js';

class PartyDto {
  @IsString()
  @Matches(/^[a-z][a-z0-9-]*$/)
  id!: string;
}

class PromiseDto {
  @IsString()
  unit!: string;

  @ValidateNested()
  @Type(() => PartyDto)
  obligee!: PartyDto;
}

const options = { whitelist: true, forbidNonWhitelisted: true } as const;
const problems = (cls: new () => object, body: unknown): string[] =>
  validateSync(plainToInstance(cls, body) as object, options)
    .flatMap(function flat(e): string[] {
      return [...Object.keys(e.constraints ?? {}).map((c) => `${e.property}:${c}`), ...(e.children ?? []).flatMap(flat)];
    })
    .sort();

describe('validation rules looked up once per request body class', () => {
  const bodies: unknown[] = [
    { unit: 'tonnes', obligee: { id: 'nanjing' } },
    { unit: 7, obligee: { id: 'Nanjing!' } },
    { unit: 'tonnes', obligee: { id: 'nanjing', extra: 1 }, stray: true },
    { obligee: {} },
  ];

  it('finds exactly the problems it found before memoizing, request after request', () => {
    const before = bodies.map((b) => problems(PromiseDto, b));
    memoizeValidationMetadata();
    memoizeValidationMetadata();
    for (let round = 0; round < 3; round++) expect(bodies.map((b) => problems(PromiseDto, b))).toEqual(before);
    expect(before[0]).toEqual([]);
    expect(before[1]).toEqual(expect.arrayContaining(['unit:isString', 'id:matches']));
    expect(before[2]).toEqual(expect.arrayContaining(['stray:whitelistValidation', 'extra:whitelistValidation']));
  });

  it('sees a rule declared after memoizing (a body class loaded later is never validated with stale rules)', () => {
    memoizeValidationMetadata();
    class LateDto {
      @IsString()
      name!: string;
    }
    expect(problems(LateDto, { name: 'x' })).toEqual([]);
    expect(problems(LateDto, { name: 1 })).toEqual(['name:isString']);
    // A rule added to a class already looked up takes effect too.
    expect(problems(PartyDto, { id: 'ok', label: 3 })).toEqual(['label:whitelistValidation']);
    IsString()(PartyDto.prototype, 'label');
    expect(problems(PartyDto, { id: 'ok', label: 3 })).toEqual(['label:isString']);
  });
});
