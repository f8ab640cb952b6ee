/**
 * A local DNS server for tests (dns2, UDP and TCP on one loopback port): it answers the TXT
 * records a test publishes and NXDOMAIN for every other name, so the sending domains' check
 * runs through a real resolver and the real wire format. Long records are split into
 * 255-octet strings, as a DNS host does for a DKIM key.
 */
import { createServer, type AddressInfo } from 'node:net';
import dns2 from 'dns2';

const { Packet } = dns2;

/** A running server: where it listens and the records it serves. */
export interface TestDnsServer {
  /** `127.0.0.1:<port>`, the form CONSENTFLOW_DNS_SERVERS takes. */
  address: string;
  /** Publishes (replaces) the TXT records of a name; none removes them. */
  publishTxt(name: string, ...records: string[]): void;
  stop(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const chunks = (record: string) => record.match(/.{1,255}/gs) ?? [''];

/** Starts the server on a free port. */
export async function startTestDnsServer(): Promise<TestDnsServer> {
  const txt = new Map<string, string[]>();
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      const name = question?.name.toLowerCase() ?? '';
      const records = txt.get(name);
      if (!records) response.header.rcode = Packet.RCODE.NXDOMAIN;
      else if (question?.type === Packet.TYPE.TXT)
        for (const record of records)
          response.answers.push({
            name: question.name,
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 1,
            data: chunks(record),
          } as never);
      send(response);
    },
  });
  // UDP and TCP on one port (a truncated answer is asked again over TCP): a free TCP port.
  const port = await freePort();
  const local = { port, address: '127.0.0.1' };
  await server.listen({ udp: local, tcp: local });
  return {
    address: `127.0.0.1:${port}`,
    publishTxt(name, ...records) {
      if (records.length === 0) txt.delete(name.toLowerCase());
      else txt.set(name.toLowerCase(), records);
    },
    stop: () => server.close(),
  };
}
