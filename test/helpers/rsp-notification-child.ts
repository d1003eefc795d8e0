/**
 * Child process for the notification crash tests (run with `node --import tsx`):
 *   rsp-notification-child.ts <queueDir> <card> <serverAddress> <mode> <pkiSeed>
 * card `file:<path>`: the JSON file card (rsp-file-card.ts); `euicc:<stateFile>`: the virtual eUICC
 * with that state file, reached through CardSession + ES10 like the product does.
 * mode `crash`: after the queue was written (event 'queued') print QUEUED and block, so the parent
 * can kill -9 the process between retrieving and sending. mode `run`: process normally and print
 * the result as JSON.
 */
import { writeSync } from 'node:fs';
import { ApduLog } from '../../src-main/card/apdu-log.js';
import { CardSession } from '../../src-main/card/card-session.js';
import { withEs10 } from '../../src-main/euicc/index.js';
import { Es9Client } from '../../src-main/rsp/es9-client.js';
import { NotificationQueue } from '../../src-main/rsp/notification-queue.js';
import type { NotificationCard, ProcessResult } from '../../src-main/rsp/notification-queue.js';
import { trustStoreOf } from '../../src-main/rsp/tls-trust.js';
import { createVirtualEuicc } from '../../src-main/sim/euicc/virtual-euicc.js';
import { generatedPki } from './pki-fixtures.js';
import { fileCard } from './rsp-file-card.js';

const [queueDir, cardSpec, serverAddress, mode, seed] = process.argv.slice(2);
if (queueDir === undefined || cardSpec === undefined || serverAddress === undefined || seed === undefined) throw new Error('usage: <queueDir> <card> <serverAddress> <crash|run> <pkiSeed>');

const pki = generatedPki({ seed });
const client = new Es9Client({ trust: trustStoreOf(pki.ci.map((c) => c.cert)), ciPkIds: pki.ci.map((c) => c.ski), hostOverrides: { [pki.dpTls.host]: serverAddress } });
const queue = new NotificationQueue(queueDir);

function processWith(card: NotificationCard): Promise<ProcessResult> {
  return queue.process(card, client, {
    onEvent: (event) => {
      if (mode === 'crash' && event.type === 'queued') {
        writeSync(1, 'QUEUED\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000); // blocks until killed
      }
    },
  });
}

let result: ProcessResult;
if (cardSpec.startsWith('euicc:')) {
  const euicc = await createVirtualEuicc({ pki, stateFile: cardSpec.slice('euicc:'.length) });
  result = await withEs10(new CardSession(euicc.transport, new ApduLog()), processWith);
  await euicc.close();
} else {
  result = await processWith(fileCard(cardSpec.replace(/^file:/, '')));
}
client.close();
writeSync(1, `${JSON.stringify({ sent: result.sent, failed: result.failed })}\n`);
