import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DiagnosticReport, DiagReportFormat } from '../../shared/api.js';
import { workbench } from '../api/instance.js';
import { toApiCallError } from '../api/errors.js';

export type DiagInputKind = 'atr' | 'trace';

/** The Diagnostics view: what was pasted or loaded, the last report, and its export. */
export const useDiagnosticsStore = defineStore('diagnostics', () => {
  const inputKind = ref<DiagInputKind>('trace');
  const input = ref('');
  const report = ref<DiagnosticReport>();
  const busy = ref<'analyze' | 'probe' | 'export'>();
  const error = ref<string>();

  async function run(kind: 'analyze' | 'probe', call: () => Promise<DiagnosticReport>): Promise<void> {
    busy.value = kind;
    error.value = undefined;
    try {
      report.value = await call();
    } catch (err) {
      const e = toApiCallError(err);
      error.value = e.hint ? `${e.message} ${e.hint}` : e.message;
    } finally {
      busy.value = undefined;
    }
  }

  /** Decodes the pasted ATR or trace. */
  const analyze = (): Promise<void> => run('analyze', () => (inputKind.value === 'atr' ? workbench().analyzeAtr(input.value) : workbench().analyzeTrace(input.value)));

  /** Probes a device live (modem side and card). */
  const probe = (deviceId: string | undefined): Promise<void> => run('probe', () => workbench().probeDevice(deviceId));

  /** Takes a file's text as input; an ATR is at most a line of hex, anything longer is a trace. */
  function load(text: string): void {
    input.value = text;
    inputKind.value = /^[\s0-9a-fx:,]*$/i.test(text) && text.replace(/0x|[^0-9a-f]/gi, '').length <= 66 ? 'atr' : 'trace';
  }

  /** Renders the report and hands it to the browser as a download. */
  async function exportReport(format: DiagReportFormat): Promise<void> {
    const current = report.value;
    if (!current) return;
    busy.value = 'export';
    try {
      const rendered = await workbench().renderDiagnosticReport(current, format);
      const url = URL.createObjectURL(new Blob([rendered.content], { type: rendered.mimeType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = rendered.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      error.value = toApiCallError(err).message;
    } finally {
      busy.value = undefined;
    }
  }

  return { inputKind, input, report, busy, error, analyze, probe, load, exportReport };
});
