import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';

/**
 * Takes the Node response over from Fastify for an answer written by hand with back-pressure (the NDJSON export, the
 * CSV exports). Call it only once everything that may still be refused has been checked: from here on a failure can
 * only cut the transfer (see sendProblem), since the status line is the handler's to write.
 */
export function streamedResponse(reply: FastifyReply): ServerResponse {
  reply.hijack();
  return reply.raw;
}
