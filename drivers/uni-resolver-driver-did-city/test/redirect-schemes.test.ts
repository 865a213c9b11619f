/**
 * The 303 of a text/uri-list dereference goes only to http(s) endpoints: a service endpoint a controller set to
 * `javascript:` or `file:` is returned as content, never as a Location a browser would follow.
 */
import type { DIDDereferencingResult } from '@did-city/method';
import { describe, expect, it } from 'vitest';
import { dereferencingReply, type ReplyStyle } from '../src/results.ts';

const STYLE: ReplyStyle = { errorStyle: 'uri', profile: 'w3c', shape: 'dereferencing' } as ReplyStyle;
const DID = 'did:city:cn:130100';

function listOf(urls: string[]): DIDDereferencingResult {
  return {
    dereferencingMetadata: { contentType: 'text/uri-list' },
    content: urls,
    contentMetadata: {},
  } as unknown as DIDDereferencingResult;
}

describe('303 only to http and https', () => {
  it.each(['https://data.sjz.example/api', 'http://data.sjz.example/api'])('%s → 303 with Location', (url) => {
    const reply = dereferencingReply(listOf([url]), { kind: 'uri-list' }, `${DID}?service=api`, STYLE);
    expect(reply.status).toBe(303);
    expect(reply.location).toBe(url);
  });

  it.each([
    'javascript:alert(1)',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    'ftp://example.org/x',
  ])('%s → 200 with the list as content, no Location', (url) => {
    for (const representation of [{ kind: 'uri-list' }, { kind: 'result' }] as const) {
      const reply = dereferencingReply(listOf([url]), representation as never, `${DID}?service=api`, STYLE);
      expect(reply.status).toBe(200);
      expect(reply.location).toBeUndefined();
      expect((reply.body as DIDDereferencingResult).content).toEqual([url]);
    }
  });
});
