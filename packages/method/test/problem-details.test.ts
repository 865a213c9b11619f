// The one problem-details module every server answers with (RFC 9457): the about:blank form, the write, and which
// thrown errors are the request's fault. A RangeError that is not a stack overflow is never the request's fault.
import { describe, expect, it } from 'vitest';
import { PROBLEM_JSON, plainProblem, type ProblemSink, requestFailure, sendProblem } from '../src/http.ts';

function recordingSink() {
  const sent: { status?: number; type?: string; body?: string } = {};
  const sink: ProblemSink = {
    status(code) {
      sent.status = code;
      return sink;
    },
    type(contentType) {
      sent.type = contentType;
      return sink;
    },
    send(body) {
      sent.body = body;
    },
  };
  return { sink, sent };
}

function overflow(depth: number): number {
  return overflow(depth + 1) + 1;
}

function stackOverflow(): unknown {
  try {
    return overflow(0);
  } catch (error) {
    return error;
  }
}

describe('problem details', () => {
  it('RFC 9457 §4.2.1: about:blank carries the status phrase as its title', () => {
    expect(plainProblem(404, 'no route GET /x')).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'no route GET /x',
    });
    expect(plainProblem(405, 'x').title).toBe('Method Not Allowed');
  });

  it('sends the problem with its status as application/problem+json, 500 when it has none', () => {
    const { sink, sent } = recordingSink();
    sendProblem(sink, { type: 'https://w3id.org/did-city/errors#X', title: 'X', status: 409, detail: 'd' });
    expect(sent).toEqual({
      status: 409,
      type: PROBLEM_JSON,
      body: '{"type":"https://w3id.org/did-city/errors#X","title":"X","status":409,"detail":"d"}',
    });
    const other = recordingSink();
    sendProblem(other.sink, { type: 'about:blank' });
    expect(other.sent.status).toBe(500);
  });
});

describe('requestFailure: what the request did wrong, by type and properties', () => {
  it('a path with malformed percent-encoding (URIError) and a stack overflow are malformed requests', () => {
    let uriError: unknown;
    try {
      decodeURIComponent('%E0%A4%A');
    } catch (error) {
      uriError = error;
    }
    expect(requestFailure(uriError)).toEqual({
      code: 'MALFORMED_REQUEST',
      detail: 'the path has malformed percent-encoding',
    });
    expect(requestFailure(stackOverflow())).toEqual({
      code: 'MALFORMED_REQUEST',
      detail: 'request body is nested too deeply',
    });
  });

  it('the body parser’s errors by status and type (the shape http-errors gives them)', () => {
    const parserError = (status: number, type: string) =>
      Object.assign(new Error('internal text'), { status, type, expose: true });
    expect(requestFailure(parserError(413, 'entity.too.large'))?.code).toBe('REQUEST_TOO_LARGE');
    expect(requestFailure(parserError(400, 'entity.parse.failed'))).toEqual({
      code: 'MALFORMED_REQUEST',
      detail: 'request body is not valid JSON',
    });
    expect(requestFailure(parserError(415, 'charset.unsupported'))).toEqual({
      code: 'MALFORMED_REQUEST',
      detail: 'unsupported request encoding',
    });
    expect(requestFailure(parserError(400, 'request.aborted'))?.detail).toBe(
      'request body could not be read (request.aborted)',
    );
    // A 5xx from the parser is the server's own failure.
    expect(requestFailure(parserError(500, 'stream.not.readable'))).toBeUndefined();
  });

  it('anything else, a RangeError from deep code included, is not the request’s fault', () => {
    expect(requestFailure(new RangeError('tree node 3/7 is not stored'))).toBeUndefined();
    expect(requestFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(requestFailure({ status: '413', type: 'entity.too.large' })).toBeUndefined();
    expect(requestFailure(undefined)).toBeUndefined();
  });
});
