import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '../../core/logger';

/** `from`: the sender's IPv4 address, for cameras that accept packets only from known sources. */
type PacketHandler = (packet: Buffer, from: string) => void;

interface PortBinding {
  socket: Socket;
  ready: Promise<number>;
  /** Handlers by upstream SSRC; `any` takes packets whose SSRC nobody claimed (a camera configured without one). */
  bySsrc: Map<number, PacketHandler>;
  any: PacketHandler | null;
}

/**
 * UDP sockets that cameras (or the hubs in front of them) push H264 RTP to: one socket per configured port,
 * several cameras per port told apart by SSRC. A socket closes when its last camera unsubscribes.
 */
export class RtpIngest {
  private readonly ports = new Map<number, PortBinding>();
  /** Forwarding faults are logged at most once a second: a fault repeats with every packet of a stream. */
  private lastForwardingErrorAt = 0;

  constructor(
    private readonly host: string,
    private readonly logger: Logger,
  ) {}

  /** Routes packets arriving on `port` (0 = any free port) with `ssrc` (or any SSRC) to `handler`; returns the port. */
  async subscribe(port: number, ssrc: number | undefined, handler: PacketHandler): Promise<number> {
    const binding = port === 0 ? this.bind(0) : (this.ports.get(port) ?? this.bind(port));
    const bound = await binding.ready;
    if (ssrc === undefined) {
      if (binding.any) throw new Error(`RTP port ${bound} already has a camera without an SSRC`);
      binding.any = handler;
    } else {
      if (binding.bySsrc.has(ssrc)) throw new Error(`RTP port ${bound} already has a camera with SSRC ${ssrc}`);
      binding.bySsrc.set(ssrc, handler);
    }
    return bound;
  }

  unsubscribe(port: number, ssrc: number | undefined): void {
    const binding = this.ports.get(port);
    if (!binding) return;
    if (ssrc === undefined) binding.any = null;
    else binding.bySsrc.delete(ssrc);
    if (!binding.any && binding.bySsrc.size === 0) {
      this.ports.delete(port);
      binding.socket.close();
    }
  }

  close(): void {
    for (const binding of this.ports.values()) binding.socket.close();
    this.ports.clear();
  }

  private bind(port: number): PortBinding {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    const binding: PortBinding = {
      socket,
      bySsrc: new Map(),
      any: null,
      ready: new Promise<number>((resolve, reject) => {
        const failed = (error: Error) => {
          // A port that cannot be bound (in use, no permission) must not stay registered as if it worked.
          if (this.ports.get(port) === binding) this.ports.delete(port);
          socket.close();
          reject(error);
        };
        socket.once('error', failed);
        socket.bind(port, this.host, () => {
          socket.off('error', failed);
          const bound = socket.address().port;
          this.ports.set(bound, binding);
          resolve(bound);
        });
      }),
    };
    if (port !== 0) this.ports.set(port, binding);
    socket.on('error', (error) => this.logger.warn('rtp ingest socket error', { port, error: error.message }));
    socket.on('message', (packet, sender) => {
      if (packet.length < 12) return;
      const handler = binding.bySsrc.get(packet.readUInt32BE(8)) ?? binding.any;
      try {
        handler?.(packet, sender.address);
      } catch (error) {
        // This runs in the realtime node that carries the alerts: a forwarding fault costs a packet, never the node.
        const now = Date.now();
        if (now - this.lastForwardingErrorAt >= 1000) {
          this.lastForwardingErrorAt = now;
          this.logger.error('rtp forwarding failed', { port, error: (error as Error).message });
        }
      }
    });
    return binding;
  }
}
