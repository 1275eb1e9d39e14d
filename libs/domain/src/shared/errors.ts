/**
 * A rule of the domain refused a command. `code` is stable: the API maps it to a problem+json `type`
 * (`https://concordat.dev/problems/<code>`) and a 4xx status; the message is for people.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** Machine-readable details (field names, expected and actual values); never secrets. */
    readonly details: Record<string, unknown> = {},
    /** 409 for conflicts with the current state, 422 for requests the rules refuse, 404 for unknown things. */
    readonly status: 404 | 409 | 422 | 403 = 422,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what: string, id: string): DomainError =>
  new DomainError(`${what}_not_found`, `${what.replace(/_/g, ' ')} ${id} does not exist`, { id }, 404);
