/**
 * Plain-text rendering of a report document for terminals (`ewb diag …` without --json): aligned
 * columns, findings in the same layout as formatFindings, code indented.
 */
import { formatFindings } from './diagnose.js';
import type { ReportBlock, ReportDocument } from './report-document.js';

/** Widest a column gets before its cells are left to overflow (long hex, long explanations). */
const MAX_COLUMN = 36;

function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.min(MAX_COLUMN, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function block(b: ReportBlock): string[] {
  switch (b.kind) {
    case 'text':
      return [b.tone === 'warning' || b.tone === 'error' ? `! ${b.text}` : b.text];
    case 'facts': {
      const width = Math.max(...b.rows.map(([k]) => k.length));
      return b.rows.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v}`);
    }
    case 'table':
      return table(b.head, b.rows.map((r) => r.cells));
    case 'code':
      return b.text.split('\n').map((l) => `    ${l}`);
    case 'findings':
      return formatFindings(b.findings).split('\n');
  }
}

export function renderText(doc: ReportDocument): string {
  const lines = [doc.title, ...doc.meta.map(([k, v]) => `${k}: ${v}`), '', doc.summary];
  for (const s of doc.sections) {
    lines.push('', s.title, '='.repeat(Math.min(s.title.length, 72)));
    for (const b of s.blocks) lines.push(...block(b), '');
    if (lines.at(-1) === '') lines.pop();
  }
  return `${lines.join('\n')}\n`;
}
