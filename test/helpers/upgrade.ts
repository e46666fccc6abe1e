import WebSocket from 'ws';

/** The HTTP status (101 when it opened) of an operator socket upgrade with these headers. */
export function operatorUpgrade(base: string, headers: Record<string, string>): Promise<{status: number; retryAfter?: string}> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/operator`, {headers});
    ws.on('unexpected-response', (_req, res) => {
      resolve({status: res.statusCode ?? 0, retryAfter: res.headers['retry-after']});
      ws.terminate();
    });
    ws.on('open', () => {
      resolve({status: 101});
      ws.close();
    });
    ws.on('error', reject);
  });
}
