// The node:http server: listening, refusing, accepting again on the same port, closing everything.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class Listener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private closed = false;
  port = 0;

  constructor(
    private readonly handler: RequestHandler,
    private readonly host = "127.0.0.1",
  ) {}

  async listen(port: number): Promise<number> {
    if (this.closed) throw new Error("the test server is closed");
    if (this.server) return this.port;
    const server = createServer(this.handler);
    server.keepAliveTimeout = 5_000;
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    server.on("clientError", (_err: Error, socket: Socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, this.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    this.port = typeof address === "object" && address ? address.port : port;
    this.server = server;
    return this.port;
  }

  /** Stop listening and drop every open connection (idle keep-alive ones too). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }
}
