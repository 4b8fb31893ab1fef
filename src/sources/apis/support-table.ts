// Renders the support table of docs/support.md from the parsers' own SupportRow lists, so the
// page says exactly what the code accepts.
import type { RoutingFamilyParser } from './routing-family.js';

const escapeCell = (text: string): string => text.replace(/\|/g, '\\|');

export function supportTable(families: readonly RoutingFamilyParser[]): string {
  const lines = [
    '# What Trellis supports, field by field',
    '',
    'Generated from the parsers by `npm run docs` (a test fails when this page and the parsers disagree).',
    'A field marked "no" is reported as an `UnsupportedField` warning in `trellis validate`, the logs',
    'and `/debug/config-errors`; the note says what you get instead. Nothing is silently ignored.',
    '',
  ];
  for (const family of families) {
    const kinds = [...new Set(family.support.map((r) => r.kind))];
    for (const kind of kinds) {
      const versions = family.kinds.find((k) => k.kind === kind);
      lines.push(
        `## ${kind}${versions ? ` (\`${versions.group}\` ${versions.versions.join(', ')})` : ''}`,
        '',
      );
      lines.push('| field | supported | notes |', '| --- | --- | --- |');
      for (const row of family.support.filter((r) => r.kind === kind)) {
        lines.push(
          `| \`${escapeCell(row.field)}\` | ${row.supported ? 'yes' : 'no'} | ${escapeCell(row.note ?? '')} |`,
        );
      }
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
