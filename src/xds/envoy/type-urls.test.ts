import { describe, expect, it } from 'vitest';
import { envoyType } from './proto-root.js';
import { TYPE_URL, typeNameFromUrl } from './type-urls.js';

describe('type URLs', () => {
  it('names a loaded message for every resource type', () => {
    for (const url of Object.values(TYPE_URL)) {
      expect(envoyType(typeNameFromUrl(url)).fullName).toBe(`.${typeNameFromUrl(url)}`);
    }
  });

  it('takes the name after the last slash, whatever the host part', () => {
    expect(typeNameFromUrl('example.com/a/b/pkg.Msg')).toBe('pkg.Msg');
    expect(typeNameFromUrl('pkg.Msg')).toBe('pkg.Msg');
  });
});
