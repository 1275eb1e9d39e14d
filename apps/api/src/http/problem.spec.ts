import { NotFoundException } from '@nestjs/common';
import { DomainError } from '../../../../libs/domain/src/shared/errors.js';
import { EventTooLargeError, StoreClosedError, StoreFileError, TooManyEventsError, WrongExpectedRevisionError } from '../../../../libs/event-store/src/errors.js';
import { toProblem } from './problem.js';

describe('errors as RFC 9457 problems', () => {
  it('gives a domain refusal its status, a stable type and its details', () => {
    const { problem } = toProblem(new DomainError('delivery_after_default', 'commitment c1 was defaulted', { commitment: 'c1', position: 7n }, 409));
    expect(problem).toEqual({
      type: 'https://concordat.dev/problems/delivery_after_default',
      title: 'Delivery after default',
      status: 409,
      detail: 'commitment c1 was defaulted',
      code: 'delivery_after_default',
      commitment: 'c1',
      position: '7',
    });
  });

  it('keeps details from overriding the standard members', () => {
    const { problem } = toProblem(new DomainError('x', 'm', { status: 200, type: 'about:blank' }, 422));
    expect(problem).toMatchObject({ status: 422, type: 'https://concordat.dev/problems/x' });
  });

  it('maps a wrong expected revision to 409 and too large appends to 413', () => {
    expect(toProblem(new WrongExpectedRevisionError('city-lyon', 3n, 4n)).problem).toMatchObject({ status: 409, code: 'wrong_expected_revision', expected: '3', actual: '4' });
    expect(toProblem(new EventTooLargeError('e1', 2_000_000, 1_048_576)).problem).toMatchObject({ status: 413, code: 'event_too_large' });
    expect(toProblem(new TooManyEventsError(20_000, 10_000)).problem).toMatchObject({ status: 413, code: 'too_many_events' });
  });

  it('answers any other store failure, and any unknown error, with a bare 500 that reveals nothing', () => {
    for (const error of [new StoreFileError('/var/lib/concordat/ledger.sqlite is corrupt'), new StoreClosedError(), new TypeError('x is undefined at /srv/app.js:12')]) {
      const { problem, unexpected } = toProblem(error);
      expect(unexpected).toBe(true);
      expect(problem).toEqual({ type: 'https://concordat.dev/problems/internal_error', title: 'Internal error', status: 500, detail: 'the server could not complete the request', code: 'internal_error' });
    }
  });

  it('maps Nest HTTP exceptions by status', () => {
    expect(toProblem(new NotFoundException('Cannot GET /x')).problem).toMatchObject({ status: 404, code: 'not_found', detail: 'Cannot GET /x' });
  });
});
