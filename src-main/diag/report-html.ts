/**
 * Self-contained HTML rendering of a report document: one file with its own stylesheet, no scripts,
 * no external resources (a CSP meta tag forbids them), every piece of data escaped — captures and card
 * answers are untrusted input.
 */
import type { ReportBlock, ReportDocument, Tone } from './report-document.js';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Ubuntu,sans-serif;color:#1d2733;background:#f4f6f8;margin:0;padding:24px}
main{max-width:1100px;margin:0 auto}
h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:28px 0 10px;border-bottom:1px solid #dfe3e8;padding-bottom:4px}
.meta{color:#647182;margin:0 0 12px;padding:0;list-style:none}.summary{background:#fff;border:1px solid #dfe3e8;border-radius:8px;padding:10px 14px}
table{border-collapse:collapse;width:100%;background:#fff;margin:8px 0}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #edf0f3;vertical-align:top}
th{font-size:12px;color:#647182;background:#f8f9fb}td.mono,pre,code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
td.mono{word-break:break-all}pre{background:#fff;border:1px solid #dfe3e8;border-radius:6px;padding:10px;overflow:auto;white-space:pre}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;background:#fff;border:1px solid #dfe3e8;border-radius:8px;padding:10px 14px}dl.facts dt{color:#647182}dl.facts dd{margin:0;overflow-wrap:anywhere}
.finding{background:#fff;border:1px solid #dfe3e8;border-left:6px solid #647182;border-radius:8px;padding:10px 14px;margin:10px 0}
.finding h3{margin:0 0 6px;font-size:15px}.finding p{margin:4px 0}.finding ul{margin:4px 0 0 18px;padding:0}
.sev{display:inline-block;font-size:11px;font-weight:700;letter-spacing:.04em;padding:1px 7px;border-radius:10px;margin-right:6px;vertical-align:1px}
.finding.error{border-left-color:#b3261e}.finding.error .sev{background:#fdebea;color:#b3261e}
.finding.warning{border-left-color:#8a5a00}.finding.warning .sev{background:#fff4d9;color:#8a5a00}
.finding.info{border-left-color:#1f6f8b}.finding.info .sev{background:#e5f1f5;color:#1f6f8b}
tr.error td{background:#fdebea}tr.warning td{background:#fff8e6}tr.ok td:first-child{box-shadow:inset 3px 0 #1d7a46}tr.muted td{color:#647182}
p.note{padding:6px 10px;border-radius:6px}p.note.warning,p.note.error{background:#fff4d9}p.note.info{background:#e5f1f5}p.note.ok{background:#e3f4ea}
`;

const toneClass = (tone: Tone | undefined): string => (tone ? ` class="${tone}"` : '');

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'text':
      return `<p class="note${b.tone ? ` ${b.tone}` : ''}">${escapeHtml(b.text)}</p>`;
    case 'facts':
      return `<dl class="facts">${b.rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
    case 'table': {
      const mono = new Set(b.mono ?? []);
      const head = `<tr>${b.head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
      const rows = b.rows.map((r) => `<tr${toneClass(r.tone)}>${r.cells.map((c, i) => `<td${mono.has(i) ? ' class="mono"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
      return `<table><thead>${head}</thead><tbody>\n${rows}\n</tbody></table>`;
    }
    case 'code':
      return `<pre>${escapeHtml(b.text)}</pre>`;
    case 'findings':
      return b.findings
        .map(
          (f) =>
            `<section class="finding ${escapeHtml(f.severity)}"><h3><span class="sev">${escapeHtml(f.severity.toUpperCase())}</span>${escapeHtml(f.title)} <code>${escapeHtml(f.ruleId)}</code></h3>` +
            `<p><b>Symptom:</b> ${escapeHtml(f.symptom)}</p><p><b>Cause:</b> ${escapeHtml(f.cause)}</p><p><b>Fix:</b> ${escapeHtml(f.fix)}</p>` +
            `<p><b>Evidence:</b></p><ul>${f.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></section>`,
        )
        .join('\n');
  }
}

export function renderHtml(doc: ReportDocument): string {
  const sections = doc.sections.map((s) => `<h2>${escapeHtml(s.title)}</h2>\n${s.blocks.map(block).join('\n')}`).join('\n');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title><style>${STYLE}</style></head>`,
    `<body><main><h1>${escapeHtml(doc.title)}</h1>`,
    `<ul class="meta">${doc.meta.map(([k, v]) => `<li>${escapeHtml(k)}: ${escapeHtml(v)}</li>`).join('')}</ul>`,
    `<p class="summary">${escapeHtml(doc.summary)}</p>`,
    sections,
    '</main></body></html>',
    '',
  ].join('\n');
}
