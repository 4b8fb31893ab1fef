import { describe, expect, it } from 'vitest';
import { headerEditFields, requestHost } from './route-headers.js';

describe('header edits', () => {
  it('overwrite for set, append for add, and never touch Host or pseudo-headers', () => {
    expect(
      headerEditFields(
        {
          set: [
            { name: 'a', value: '1' },
            { name: 'Host', value: 'h' },
          ],
          add: [{ name: ':path', value: '/' }],
          remove: ['b', 'host'],
        },
        { add: [{ name: 'c', value: '' }], remove: [':status'] },
      ),
    ).toEqual({
      request_headers_to_add: [
        { header: { key: 'a', value: '1' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
      request_headers_to_remove: ['b'],
      response_headers_to_add: [
        { header: { key: 'c', value: '' }, append_action: 'APPEND_IF_EXISTS_OR_ADD', keep_empty_value: true },
      ],
    });
  });

  it('read a request "set Host" as the host to rewrite to', () => {
    expect(
      requestHost({
        set: [
          { name: 'HOST', value: 'a' },
          { name: 'host', value: 'b' },
        ],
      }),
    ).toBe('b');
    expect(requestHost({ add: [{ name: 'host', value: 'a' }] })).toBeUndefined();
  });
});
