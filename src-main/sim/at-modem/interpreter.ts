/**
 * The virtual AT modem's command interpreter: command lines in, modem output out, backed by a
 * ModemSimCard and behaving as the chosen quirk profile says (which commands exist, `=?` support,
 * +CCHO answer form, CLA patching, line limit, intermittent ERROR, refusing a blank eUICC).
 */
import { fromHex, toHex } from '../../../shared/hex.js';
import { channelOfCla, claForChannel } from '../../transports/at/apdu-text.js';
import type { AtQuirkProfile } from '../../transports/at/quirks.js';
import { findAtQuirkProfile, selectAtQuirkProfile, terminalProfileBytes } from '../../transports/at/quirks.js';
import { CME_ERRORS } from '../../transports/at/result-codes.js';
import type { ModemSimCard, SimStartUp } from './sim-card.js';
import { startUpSim, swOf, transmitWithGetResponse } from './sim-card.js';

type Reply = { readonly lines: readonly string[]; readonly final: 'OK' | 'ERROR' | { readonly cme: number } };
type CommandForm = 'test' | 'read' | 'set' | 'exec';
interface Extended {
  readonly name: string;
  readonly form: CommandForm;
  readonly args: readonly string[];
  /** Length of the whole command line, for the line limit and long-command faults. */
  readonly lineLength: number;
}

const ok = (...lines: string[]): Reply => ({ lines, final: 'OK' });
const ERROR: Reply = { lines: [], final: 'ERROR' };
const cme = (code: number): Reply => ({ lines: [], final: { cme: code } });
const CME_SIM_NOT_INSERTED = 10;
const CME_SIM_FAILURE = 13;
const CME_NOT_ALLOWED = 3;
const CME_NOT_SUPPORTED = 4;
const CME_BAD_PARAMETERS = 50;
/** SIM-access commands whose `=?` form depends on the profile's testCommands flag. */
const SIM_ACCESS = ['+CSIM', '+CCHO', '+CGLA', '+CCHC', '+CRSM'];

/** Splits `a,"b,c",d` on commas outside quotes, removing the quotes. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function parseExtended(text: string, lineLength: number): Extended {
  const m = /^([+!^$#%*][A-Z0-9]+)(=\?|\?|=)?(.*)$/i.exec(text);
  const name = (m?.[1] ?? text).toUpperCase();
  const form: CommandForm = m?.[2] === '=?' ? 'test' : m?.[2] === '?' ? 'read' : m?.[2] === '=' ? 'set' : 'exec';
  return { name, form, args: form === 'set' ? splitArgs(m?.[3] ?? '') : [], lineLength };
}

const isHex = (s: string | undefined): s is string => s !== undefined && /^[0-9A-Fa-f]*$/.test(s) && s.length % 2 === 0;

export interface VirtualAtModemOptions {
  /** The card in the slot; undefined = empty slot. */
  readonly card?: ModemSimCard;
  /** Quirk profile or its id (default `generic`). */
  readonly profile?: AtQuirkProfile | string;
}

export class VirtualAtModem {
  readonly profile: AtQuirkProfile;
  private readonly card: ModemSimCard | undefined;
  private echo = true;
  private verbose = true;
  private cmee = 0;
  private cfun = 1;
  private sim: SimStartUp = { state: 'absent', terminalProfileSent: new Uint8Array(0), trace: [] };
  /** +CCHO session id → logical channel on the card. */
  private readonly sessions = new Map<string, number>();
  private longCommands = 0;

  constructor(options: VirtualAtModemOptions = {}) {
    const profile = typeof options.profile === 'string' || options.profile === undefined ? findAtQuirkProfile(options.profile ?? 'generic') : options.profile;
    this.profile = profile ?? selectAtQuirkProfile({ override: String(options.profile) }).profile;
    this.card = options.card;
  }

  /** Power-up: the modem's own look at the card (decides "no usable SIM" like the seed modem). */
  async powerUp(): Promise<SimStartUp> {
    this.sessions.clear();
    this.sim = await startUpSim(this.card, terminalProfileBytes(this.profile));
    return this.sim;
  }

  get simStartUp(): SimStartUp {
    return this.sim;
  }

  /** Executes one command line (without its CR) and returns everything the modem writes back. */
  async handleLine(rawLine: string): Promise<string> {
    const line = rawLine.trim();
    const echo = this.echo ? `${rawLine}\r` : '';
    if (line.length === 0) return echo;
    if (!/^AT/i.test(line)) return echo + this.format(ERROR);
    if (line.length + 1 > this.profile.maxCommandLine) return echo + this.format(ERROR);
    const lines: string[] = [];
    let body = line.slice(2);
    while (body.length > 0) {
      let reply: Reply;
      if (/^[+!^$#%*]/.test(body)) {
        const end = this.extendedEnd(body);
        reply = await this.extended(parseExtended(body.slice(0, end), line.length + 1));
        body = body.slice(end + 1);
      } else if (body.startsWith(';')) {
        body = body.slice(1);
        continue;
      } else {
        const m = /^(&?[A-Z])(\d*)/i.exec(body);
        if (m === null) return echo + this.format(ERROR);
        reply = this.basic((m[1] ?? '').toUpperCase(), m[2] ?? '');
        body = body.slice(m[0].length);
      }
      lines.push(...reply.lines);
      if (reply.final !== 'OK') return echo + this.format({ lines, final: reply.final });
    }
    return echo + this.format({ lines, final: 'OK' });
  }

  /** Index of the `;` ending an extended command (outside quotes), or the end. */
  private extendedEnd(body: string): number {
    let quoted = false;
    for (let i = 0; i < body.length; i++) {
      if (body[i] === '"') quoted = !quoted;
      else if (body[i] === ';' && !quoted) return i;
    }
    return body.length;
  }

  private format(reply: Reply): string {
    const final = typeof reply.final === 'string' ? reply.final : this.cmeText(reply.final.cme);
    const numeric: Record<string, string> = { OK: '0', ERROR: '4' };
    if (this.verbose) return reply.lines.map((l) => `\r\n${l}\r\n`).join('') + `\r\n${final}\r\n`;
    return reply.lines.map((l) => `${l}\r\n`).join('') + `${numeric[final] ?? final}\r`;
  }

  private cmeText(code: number): string {
    if (this.cmee === 0) return 'ERROR';
    if (this.cmee === 1) return `+CME ERROR: ${code}`;
    return `+CME ERROR: ${CME_ERRORS.find((e) => e.code === code)?.meaning ?? code}`;
  }

  private basic(cmd: string, value: string): Reply {
    const n = value === '' ? 0 : Number(value);
    switch (cmd) {
      case 'E':
        this.echo = n === 1;
        return ok();
      case 'V':
        this.verbose = n === 1;
        return ok();
      case 'I':
        return ok(...this.profile.identity.ati);
      case 'Q':
        return ok();
      case 'Z':
      case '&F':
        this.echo = true;
        this.verbose = true;
        this.cmee = 0;
        return ok();
      default:
        return ERROR;
    }
  }

  private get refusesCard(): boolean {
    return this.profile.refusesBlankCard && this.sim.state !== 'ready';
  }

  private async extended(cmd: Extended): Promise<Reply> {
    if (cmd.form === 'test' && SIM_ACCESS.includes(cmd.name) && (!this.profile.testCommands || (cmd.name === '+CSIM' && this.refusesCard))) return ERROR;
    const id = this.profile.identity;
    switch (cmd.name) {
      case '+CGMI':
        return cmd.form === 'test' ? ok() : ok(id.manufacturer);
      case '+CGMM':
        return cmd.form === 'test' ? ok() : ok(id.model);
      case '+CGMR':
        return cmd.form === 'test' ? ok() : ok(id.revision);
      case '+CGSN':
        return cmd.form === 'test' ? ok() : ok(id.imei);
      case '+CMEE':
        return this.cmeeCommand(cmd);
      case '+CFUN':
        return this.cfunCommand(cmd);
      case '+CPIN':
        if (cmd.form === 'test') return ok();
        if (cmd.form !== 'read') return cme(CME_NOT_ALLOWED);
        return this.sim.state === 'ready' ? ok('+CPIN: READY') : cme(CME_SIM_NOT_INSERTED);
      case '+CCID':
      case '+ICCID':
        if (cmd.form === 'test') return ok();
        return this.sim.state === 'ready' && this.sim.iccid ? ok(`${cmd.name}: ${this.sim.iccid}`) : cme(CME_SIM_NOT_INSERTED);
      case '+CSIM':
        return this.profile.commands.csim ? this.csim(cmd) : ERROR;
      case '+CCHO':
        return this.profile.commands.ccho ? this.ccho(cmd) : ERROR;
      case '+CGLA':
        return this.profile.commands.cgla ? this.cgla(cmd) : ERROR;
      case '+CCHC':
        return this.profile.commands.cchc ? this.cchc(cmd) : ERROR;
      case '+CRSM':
        return this.profile.commands.crsm ? this.crsm(cmd) : ERROR;
      case '+CUSATR':
        return this.profile.commands.cusat ? this.cusatr(cmd) : ERROR;
      case '+CUSATA':
        return this.profile.commands.cusat ? this.cusata(cmd) : ERROR;
      default:
        return ERROR;
    }
  }

  private cmeeCommand(cmd: Extended): Reply {
    if (cmd.form === 'test') return ok('+CMEE: (0-2)');
    if (cmd.form === 'read') return ok(`+CMEE: ${this.cmee}`);
    const n = Number(cmd.args[0] ?? 0);
    if (![0, 1, 2].includes(n)) return cme(CME_BAD_PARAMETERS);
    this.cmee = n;
    return ok();
  }

  private cfunCommand(cmd: Extended): Reply {
    if (cmd.form === 'test') return ok('+CFUN: (0,1,4),(0-1)');
    if (cmd.form === 'read') return ok(`+CFUN: ${this.cfun}`);
    const n = Number(cmd.args[0]);
    if (![0, 1, 4].includes(n)) return cme(CME_BAD_PARAMETERS);
    this.cfun = n;
    return ok();
  }

  /** Common gate of the APDU commands: an empty slot, or a blank card this modem refuses. */
  private simGate(): Reply | undefined {
    if (this.refusesCard) return ERROR;
    if (this.sim.state === 'absent' || this.card === undefined) return cme(CME_SIM_NOT_INSERTED);
    return undefined;
  }

  /** `<length>,<hex>` arguments: the length counts hex characters and must match. */
  private apduArg(length: string | undefined, hex: string | undefined): Uint8Array | undefined {
    if (!isHex(hex) || length === undefined || Number(length) !== hex.length || hex.length < 8) return undefined;
    return fromHex(hex);
  }

  private answer(name: string, response: Uint8Array): Reply {
    return ok(`${name}: ${response.length * 2},"${toHex(response).toUpperCase()}"`);
  }

  private async csim(cmd: Extended): Promise<Reply> {
    const gate = this.simGate();
    if (gate) return gate;
    if (cmd.form === 'test') return ok();
    const apdu = cmd.form === 'set' ? this.apduArg(cmd.args[0], cmd.args[1]) : undefined;
    if (apdu === undefined || this.card === undefined) return cme(CME_BAD_PARAMETERS);
    return this.answer('+CSIM', await this.card.transmit(apdu));
  }

  private sessionIdFor(channel: number): string {
    // The MC7455 hands out an opaque 64-bit handle; the numbers here only need to look like one.
    return this.profile.cchoReply === 'hex-handle' ? (0x0385a7c0 + channel).toString(16).padStart(16, '0') : String(channel);
  }

  private async ccho(cmd: Extended): Promise<Reply> {
    const gate = this.simGate();
    if (gate) return gate;
    if (cmd.form === 'test') return ok();
    const aid = cmd.args[0];
    if (cmd.form !== 'set' || !isHex(aid) || aid.length < 10 || aid.length > 32 || this.card === undefined) return cme(CME_BAD_PARAMETERS);
    const open = await this.card.transmit(fromHex('0070000001'));
    const channel = open[0];
    if (open.length !== 3 || swOf(open) !== 0x9000 || channel === undefined) return cme(CME_SIM_FAILURE);
    const aidBytes = fromHex(aid);
    const select = await transmitWithGetResponse(this.card, Uint8Array.from([claForChannel(0, channel), 0xa4, 0x04, 0x00, aidBytes.length, ...aidBytes, 0x00]));
    if (swOf(select) !== 0x9000) {
      await this.card.transmit(Uint8Array.of(0x00, 0x70, 0x80, channel));
      return cme(CME_SIM_FAILURE);
    }
    const session = this.sessionIdFor(channel);
    this.sessions.set(session, channel);
    return ok(this.profile.cchoReply === 'bare' ? session : `+CCHO: ${session}`);
  }

  private async cgla(cmd: Extended): Promise<Reply> {
    const gate = this.simGate();
    if (gate) return gate;
    if (cmd.form === 'test') return ok();
    const channel = this.sessions.get((cmd.args[0] ?? '').toLowerCase());
    const apdu = this.apduArg(cmd.args[1], cmd.args[2]);
    if (channel === undefined || apdu === undefined || this.card === undefined) return cme(CME_BAD_PARAMETERS);
    const fault = this.profile.plainErrorOnLongCommand;
    // Deterministic stand-in for the intermittent firmware fault: every third long command fails once.
    if (fault !== undefined && cmd.lineLength >= fault.minCommandLength && this.longCommands++ % 3 === 0) return ERROR;
    const cla = apdu[0] ?? 0;
    // `mt` firmwares OR their channel into CLA, so a host that set the bits itself gets a wrong channel.
    apdu[0] = this.profile.cglaChannelBits === 'mt' && channelOfCla(cla) !== 0 ? cla | channel : claForChannel(cla, channel);
    return this.answer('+CGLA', await this.card.transmit(apdu));
  }

  private async cchc(cmd: Extended): Promise<Reply> {
    if (cmd.form === 'test') return ok();
    const session = (cmd.args[0] ?? '').toLowerCase();
    const channel = this.sessions.get(session);
    if (channel === undefined || this.card === undefined) return ERROR;
    this.sessions.delete(session);
    await this.card.transmit(Uint8Array.of(0x00, 0x70, 0x80, channel));
    return ok();
  }

  private async crsm(cmd: Extended): Promise<Reply> {
    if (cmd.form === 'test') return ok();
    if (this.sim.state !== 'ready' || this.card === undefined) return cme(CME_SIM_NOT_INSERTED);
    const [command, fileId, p1 = '0', p2 = '0', p3 = '0', data = '', pathId = ''] = cmd.args;
    const card = this.card;
    const send = (bytes: number[]): Promise<Uint8Array> => transmitWithGetResponse(card, Uint8Array.from(bytes));
    const result = (r: Uint8Array): Reply => {
      const body = toHex(r.subarray(0, r.length - 2)).toUpperCase();
      return ok(`+CRSM: ${r[r.length - 2] ?? 0},${r[r.length - 1] ?? 0}${body ? `,"${body}"` : ''}`);
    };
    if (Number(command) === 242) return result(await send([0x80, 0xf2, Number(p1), Number(p2), Number(p3)]));
    if (fileId === undefined || !isHex(data) || !isHex(pathId)) return cme(CME_BAD_PARAMETERS);
    const path = (pathId.toUpperCase().match(/.{4}/g) ?? []).filter((f) => f !== '3F00');
    let selected = await send([0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00]);
    for (const fid of [...path, Number(fileId).toString(16).padStart(4, '0')]) {
      if (swOf(selected) !== 0x9000) break;
      selected = await send([0x00, 0xa4, 0x00, 0x04, 0x02, ...fromHex(fid)]);
    }
    if (swOf(selected) !== 0x9000) return result(selected.subarray(selected.length - 2));
    const bytes = [...fromHex(data)];
    switch (Number(command)) {
      case 176:
        return result(await send([0x00, 0xb0, Number(p1), Number(p2), Number(p3)]));
      case 178:
        return result(await send([0x00, 0xb2, Number(p1), Number(p2), Number(p3)]));
      case 192:
        return result(selected);
      case 214:
        return result(await send([0x00, 0xd6, Number(p1), Number(p2), bytes.length, ...bytes]));
      case 220:
        return result(await send([0x00, 0xdc, Number(p1), Number(p2), bytes.length, ...bytes]));
      default:
        return cme(CME_NOT_SUPPORTED);
    }
  }

  private cusatr(cmd: Extended): Reply {
    if (cmd.form === 'test') return ok('+CUSATR: (0-5)');
    const mtDefault = this.profile.terminalProfile.toUpperCase();
    const profiles: Record<number, string> = { 0: '', 1: mtDefault, 2: mtDefault, 3: toHex(this.sim.terminalProfileSent).toUpperCase() };
    const wanted = cmd.form === 'set' ? [Number(cmd.args[0])] : [0, 1, 2, 3];
    if (wanted.some((w) => profiles[w] === undefined)) return cme(CME_NOT_SUPPORTED);
    return ok(...wanted.map((w) => `+CUSATR: ${w},"${profiles[w] ?? ''}"`));
  }

  private cusata(cmd: Extended): Reply {
    if (cmd.form === 'test') return ok('+CUSATA: (0-3)');
    if (this.sim.state === 'absent') return cme(CME_SIM_NOT_INSERTED);
    if (cmd.form === 'set' && Number(cmd.args[0]) !== 0) return cme(CME_NOT_ALLOWED);
    // A card the modem gave up on: TERMINAL PROFILE was sent, start-up never reached "active".
    return ok(this.sim.state === 'ready' ? '+CUSATA: 4,0' : '+CUSATA: 2,0');
  }
}
