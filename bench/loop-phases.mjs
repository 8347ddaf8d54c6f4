// Which callbacks can run between the end of a macrotask and a setImmediate / process.nextTick
// queued in it? (docs/concurrency.md, "Read spans"). Another process replies on a socket; the
// macrotask asks, then blocks until that process says the reply is written (a flag file), so the
// reply is waiting in the socket buffer when the macrotask ends. Prints the order seen for a
// macrotask that is a timer, an immediate and an I/O callback.
// Usage: node bench/loop-phases.mjs
import net from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

if (process.argv[2] === 'server') {
  const flag = process.argv[3];
  const server = net.createServer((s) => s.on('data', (d) => s.write('reply', () => String(d).includes('ask') && writeFileSync(flag, ''))));
  server.listen(0, () => process.stdout.write(`${server.address().port}\n`));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'loop-phases-'));
  for (const kind of ['timer', 'immediate', 'io']) console.log(`macrotask = ${kind} callback: ${await run(kind, join(dir, kind))}`);
  rmSync(dir, { recursive: true, force: true });
}

function run(kind, flag) {
  return new Promise((done) => {
    const srv = spawn(process.execPath, [process.argv[1], 'server', flag], { stdio: ['ignore', 'pipe', 'inherit'] });
    srv.stdout.once('data', (port) => {
      const c = net.connect(Number(String(port)));
      const order = [];
      let armed = false;
      c.on('data', () => {
        if (!armed) return;
        order.push('outside I/O (socket data)');
        c.destroy();
        srv.kill();
        setTimeout(() => done(order.join(' -> ')), 50);
      });
      const task = () => {
        armed = true;
        c.write('ask');
        const until = Date.now() + 60_000;
        while (!existsSync(flag) && Date.now() < until); // the reply is now in the socket buffer
        const settle = Date.now() + 20;
        while (Date.now() < settle);
        setImmediate(() => order.push('setImmediate'));
        process.nextTick(() => order.push('process.nextTick'));
        Promise.resolve().then(() => Promise.resolve()).then(() => order.push('end of the microtask chain'));
      };
      c.on('connect', () => {
        if (kind === 'timer') setTimeout(task, 5);
        else if (kind === 'immediate') setImmediate(task);
        else {
          c.once('data', task);
          c.write('first');
        }
      });
    });
  });
}
