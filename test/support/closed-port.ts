/**
 * A loopback TCP port nothing listens on, and nothing in the suite will start listening on while a test uses it.
 * Binding an ephemeral port and releasing it is not enough with test files running in parallel (vitest.config.ts):
 * another file's s3rver, fake endpoint or private MariaDB binds port 0 and may be handed the same port. Those only
 * ever get ports from the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range, 32768 and up here), so a
 * port below 1024 that refuses a connection now stays refused: only a privileged system service could take it.
 */
import { connect } from 'node:net';

export async function closedPort(): Promise<number> {
  for (let port = 1; port < 1024; port++) if (await refuses(port)) return port;
  throw new Error('every loopback port below 1024 accepts connections: no closed port to test with');
}

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}
