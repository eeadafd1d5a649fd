// Free TCP ports for servers started by tests.
//
// Ports are picked BELOW the kernel's ephemeral range (ip_local_port_range, usually 32768-60999).
// The kernel never hands those out on its own, so a port we pick cannot be taken by some outgoing
// connection's source port or by a bind(0) — the RTSP server's RTP/RTCP UDP sockets, ffmpeg's
// client ports, other helpers' servers. That keeps `restart()` on the SAME port reliable, which a
// port obtained from bind(0) would not be.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as dgram from 'node:dgram';

const FLOOR = 20000;
const handedOut = new Set<number>();

/** Lower bound of the kernel's ephemeral port range (32768 when it cannot be read). */
export function ephemeralLow(): number {
  try {
    const low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > FLOOR + 1000 ? low : 32768;
  } catch {
    return 32768;
  }
}

function canBindTcp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function canBindUdp(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.unref();
    sock.once('error', () => {
      sock.close();
      resolve(false);
    });
    sock.bind({ port, address: host, exclusive: true }, () => sock.close(() => resolve(true)));
  });
}

/**
 * A TCP port on `host` that nobody listens on now, outside the ephemeral range, and not returned
 * before by this process. With `udpToo`, the same number is also free for UDP (e.g. for a server
 * that uses port N over both). Falls back to bind(0) if the low range looks exhausted.
 */
export async function freePort(host = '127.0.0.1', opts: { udpToo?: boolean } = {}): Promise<number> {
  const high = ephemeralLow() - 1;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = FLOOR + Math.floor(Math.random() * (high - FLOOR));
    if (handedOut.has(port)) continue;
    if (!(await canBindTcp(port, host))) continue;
    if (opts.udpToo && !(await canBindUdp(port, host))) continue;
    handedOut.add(port);
    return port;
  }
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host }, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}
