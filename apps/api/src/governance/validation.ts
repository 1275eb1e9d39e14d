/** Validation shared by the governance DTOs: slugs, UTC instants, decimal strings within a currency's minor unit. */
import { Injectable, type PipeTransform } from '@nestjs/common';
import { applyDecorators } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiNotFoundResponse, ApiUnauthorizedResponse, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { Matches, registerDecorator, type ValidationArguments } from 'class-validator';
import { ID_PATTERN, QUANTITY_MAX_SCALE } from '../../../../libs/domain/src/governance/common.js';
import { MINOR_UNIT_DIGITS } from '../../../../libs/domain/src/shared/money.js';
import { instantMs } from '../../../../libs/domain/src/shared/time.js';
import { RequestValidationError } from '../http/problem.js';

export const SLUG = ID_PATTERN;
export const CURRENCIES = Object.keys(MINOR_UNIT_DIGITS);
const DECIMAL = /^(0|[1-9]\d{0,20})(\.\d+)?$/;
const QUANTITY = new RegExp(`^(0|[1-9]\\d{0,20})(\\.\\d{1,${QUANTITY_MAX_SCALE}})?$`);

export const IsSlug = (): PropertyDecorator => Matches(SLUG, { message: '$property must be a slug such as "hangzhou" (a-z, 0-9, "-", at most 63)', each: false });
export const IsSlugEach = (): PropertyDecorator => Matches(SLUG, { message: 'each of $property must be a slug such as "hangzhou"', each: true });
/** An ISO-8601 UTC instant of a real calendar day, between 1970 and 2999 (the domain's `instantMs`). */
export const IsInstant = (): PropertyDecorator => (target: object, propertyName: string | symbol) => {
  registerDecorator({
    name: 'isInstant',
    target: target.constructor,
    propertyName: String(propertyName),
    validator: {
      validate: (value: unknown): boolean => typeof value === 'string' && Number.isFinite(instantMs(value)),
      defaultMessage: (args: ValidationArguments): string => `${args.property} must be an ISO-8601 UTC instant between 1970 and 2999 such as 2025-01-01T00:00:00Z`,
    },
  });
};
export const IsQuantity = (): PropertyDecorator => Matches(QUANTITY, { message: `$property must be a decimal string with at most ${QUANTITY_MAX_SCALE} decimals` });

/** A decimal string with at most the minor-unit scale of the currency named by the sibling property. */
export function IsAmountIn(currencyProperty: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isAmountIn',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [currencyProperty],
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const currency = (args.object as Record<string, unknown>)[currencyProperty];
          const digits = typeof currency === 'string' ? MINOR_UNIT_DIGITS[currency] : undefined;
          if (typeof value !== 'string' || !DECIMAL.test(value) || digits === undefined) return false;
          const scale = value.includes('.') ? value.length - value.indexOf('.') - 1 : 0;
          return scale <= digits;
        },
        defaultMessage(args: ValidationArguments): string {
          return `${args.property} must be a decimal string with at most the minor-unit scale of ${currencyProperty} (${CURRENCIES.map((c) => `${c}: ${MINOR_UNIT_DIGITS[c]}`).join(', ')})`;
        },
      },
    });
  };
}

/** Path ids are slugs: anything else is a 400 before it can name a stream. */
@Injectable()
export class SlugPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !SLUG.test(value)) {
      throw new RequestValidationError([{ field: 'id', messages: ['the id in the path must be a slug such as "hangzhou"'] }]);
    }
    return value;
  }
}

/** The problem+json answers every governance write may give. */
export const WriteProblems = (): MethodDecorator =>
  applyDecorators(
    ApiBadRequestResponse({ description: 'problem+json validation_failed: the body does not match the DTO' }),
    ApiUnauthorizedResponse({ description: 'problem+json: missing, invalid or expired bearer token' }),
    ApiForbiddenResponse({ description: 'problem+json role_forbidden, out_of_scope or actor_not_permitted' }),
    ApiNotFoundResponse({ description: 'problem+json <thing>_not_found' }),
    ApiConflictResponse({ description: 'problem+json: the current state refuses the command (e.g. commitment_not_open, out_of_order)' }),
    ApiUnprocessableEntityResponse({ description: 'problem+json: a domain rule refuses the command, or idempotency_key_reused' }),
  );

export const ReadProblems = (): MethodDecorator =>
  applyDecorators(
    ApiBadRequestResponse({ description: 'problem+json validation_failed' }),
    ApiUnauthorizedResponse({ description: 'problem+json: missing, invalid or expired bearer token' }),
    ApiNotFoundResponse({ description: 'problem+json <thing>_not_found' }),
    ApiConflictResponse({ description: 'problem+json position_not_reached: atLeast is beyond the head of the log' }),
  );
