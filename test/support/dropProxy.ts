/**
 * An HTTP proxy between snowflake-sdk and the local Snowflake peer that loses chosen statements
 * the way a network does, while the server and its session carry on: a request forwarded but
 * its response lost (the statement ran), or a request lost on the way (it never ran). Every later
 * try of the same request (the driver retries with the same requestId) is lost too: the network
 * stays down for it. Everything else passes through untouched.
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface DropRule {
  /** Matched against the statement's SQL text. */
  sql: RegExp;
  /** `response`: the statement runs, its answer is lost; `request`: it never reaches the server. */
  lose: 'response' | 'request';
  /** How many statements to lose (default one). */
  times?: number;
}

export interface DropProxy {
  accessUrl: string;
  /** Statements lost so far: SQL text and how. */
  readonly lost: Array<{ sql: string; lose: DropRule['lose'] }>;
  /** Every statement that went through or was lost, in order. */
  readonly seen: string[];
  drop(rule: DropRule): void;
  close(): Promise<void>;
}

/** Starts a proxy in front of `upstream` (`http://127.0.0.1:port`). */
export async function startDropProxy(upstream: string): Promise<DropProxy> {
  const target = new URL(upstream);
  const rules: Array<Required<DropRule>> = [];
  const lostRequests = new Set<string>();
  const lost: DropProxy['lost'] = [];
  const seen: string[] = [];

  const statement = (req: IncomingMessage, body: Buffer): { sql: string; requestId: string } | undefined => {
    if (req.method !== 'POST' || !req.url?.startsWith('/queries/v1/query-request')) return undefined;
    try {
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8');
      const sql = String((JSON.parse(text) as { sqlText?: string }).sqlText ?? '');
      const requestId = new URL(req.url, 'http://proxy').searchParams.get('requestId') ?? '';
      return { sql, requestId };
    } catch {
      return undefined;
    }
  };

  const forward = (req: IncomingMessage, body: Buffer, onResponse: (status: number, headers: IncomingMessage['headers'], data: Buffer) => void, onError: () => void): void => {
    const upstreamRequest = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => onResponse(response.statusCode ?? 502, response.headers, Buffer.concat(chunks)));
        response.on('error', onError);
      },
    );
    upstreamRequest.on('error', onError);
    upstreamRequest.end(body);
  };

  const lose = (res: ServerResponse): void => {
    // No answer, and the connection goes down: what a lost network looks like to the driver.
    res.socket?.destroy();
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const query = statement(req, body);
      if (query) {
        seen.push(query.sql);
        if (lostRequests.has(query.requestId)) {
          lose(res);
          return;
        }
        const rule = rules.find((candidate) => candidate.times > 0 && candidate.sql.test(query.sql));
        if (rule) {
          rule.times -= 1;
          lostRequests.add(query.requestId);
          lost.push({ sql: query.sql, lose: rule.lose });
          if (rule.lose === 'request') {
            lose(res);
            return;
          }
          forward(req, body, () => lose(res), () => lose(res));
          return;
        }
      }
      forward(
        req,
        body,
        (status, headers, data) => {
          res.writeHead(status, headers);
          res.end(data);
        },
        () => lose(res),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    accessUrl: `http://127.0.0.1:${port}`,
    lost,
    seen,
    drop: (rule) => rules.push({ times: 1, ...rule }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
