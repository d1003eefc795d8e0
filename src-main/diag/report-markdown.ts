/**
 * Markdown rendering of a report document. Text is escaped so that data from cards, modems and pasted
 * captures cannot turn into markup (HTML tags, links, table breaks); code blocks use a fence longer
 * than any backtick run inside them.
 */
import type { ReportBlock, ReportDocument } from './report-document.js';

/** Inline text: HTML-significant characters as entities, Markdown punctuation backslash-escaped. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = '`'.repeat(longest + 1);
  return `${f}text\n${text}\n${f}`;
}

const SEVERITY_MARK: Readonly<Record<string, string>> = { error: '[ERROR]', warning: '[WARNING]', info: '[INFO]' };

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => escapeMarkdown(c) || ' ').join(' | ')} |`;
  return [line(head), `|${head.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'text':
      return b.tone === 'warning' || b.tone === 'error' ? `> **${escapeMarkdown(b.text)}**` : escapeMarkdown(b.text);
    case 'facts':
      return b.rows.map(([k, v]) => `- **${escapeMarkdown(k)}:** ${escapeMarkdown(v)}`).join('\n');
    case 'table':
      return table(b.head, b.rows.map((r) => r.cells));
    case 'code':
      return fence(b.text);
    case 'findings':
      return b.findings
        .map((f, i) =>
          [
            `### ${i + 1}. ${SEVERITY_MARK[f.severity] ?? f.severity} — ${escapeMarkdown(f.title)} (\`${f.ruleId.replace(/`/g, '')}\`)`,
            '',
            `- **Symptom:** ${escapeMarkdown(f.symptom)}`,
            `- **Cause:** ${escapeMarkdown(f.cause)}`,
            `- **Fix:** ${escapeMarkdown(f.fix)}`,
            '- **Evidence:**',
            ...f.evidence.map((e) => `  - ${escapeMarkdown(e)}`),
          ].join('\n'),
        )
        .join('\n\n');
  }
}

export function renderMarkdown(doc: ReportDocument): string {
  const parts = [`# ${escapeMarkdown(doc.title)}`, doc.meta.map(([k, v]) => `- **${escapeMarkdown(k)}:** ${escapeMarkdown(v)}`).join('\n'), `**Summary:** ${escapeMarkdown(doc.summary)}`];
  for (const s of doc.sections) parts.push(`## ${escapeMarkdown(s.title)}`, ...s.blocks.map(block));
  return `${parts.join('\n\n')}\n`;
}
