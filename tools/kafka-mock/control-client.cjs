'use strict';
// The control channel's client, in CommonJS so both the ESM launcher and CommonJS test code (jest workers
// cannot import ESM) share this one copy. One command per connection, one reply line.
const net = require('node:net');

function sendControl(cmd, { port, host = '127.0.0.1', timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    let buf = '';
    let done = false;
    const sock = net.connect({ host, port });
    const finish = (err, line) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else if (line.startsWith('error')) reject(new Error(`kafka-mock control '${cmd}': ${line}`));
      else resolve(line);
    };
    const timer = setTimeout(
      () => finish(new Error(`kafka-mock control '${cmd}': no reply within ${timeoutMs} ms`)),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${String(cmd).replace(/[\r\n]+/g, ' ').trim()}\n`));
    sock.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(null, buf.slice(0, nl));
    });
    sock.on('error', (e) =>
      finish(new Error(`kafka-mock control on ${host}:${port}: ${e.message} (is it running?)`)),
    );
    sock.on('close', () => finish(new Error(`kafka-mock control '${cmd}': connection closed`)));
  });
}

module.exports = { sendControl };
