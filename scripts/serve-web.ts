/**
 * A tiny static server for `out/web` on localhost (Node's http module only).
 * Port: $PORT, else 8080; if that port is busy, a free one. Prints the address.
 *
 *   npx ts-node scripts/serve-web.ts [folder]
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface WebServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function handler(root: string): http.RequestListener {
  return (req, res) => {
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.resolve(root, `.${pathname}`);
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.stat(file, (err, stat) => {
      if (err || !stat.isFile()) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
        return;
      }
      res.writeHead(200, {
        'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': stat.size,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file).pipe(res);
    });
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, '127.0.0.1');
  });
}

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port). With `fallback` (default true) a busy port falls back to a
 * free one.
 */
export async function serveWeb(root: string, port = 8080, fallback = true): Promise<WebServer> {
  const dir = path.resolve(root);
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`serve-web: ${dir}/index.html is missing: run npx ts-node scripts/build-web.ts first.`);
  }
  const server = http.createServer(handler(dir));
  let bound: number;
  try {
    bound = await listen(server, port);
  } catch (e) {
    if (!fallback || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    bound = await listen(server, 0);
  }
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (require.main === module) {
  const root = process.argv[2] ?? path.resolve(__dirname, '../out/web');
  const port = process.env.PORT ? Number(process.env.PORT) : 8080;
  serveWeb(root, port)
    .then(({ url, port: bound }) => {
      if (bound !== port) console.log(`serve-web: port ${port} is busy; using ${bound}.`);
      console.log(`serve-web: ${path.relative(process.cwd(), root) || '.'} at ${url} (Ctrl-C to stop)`);
    })
    .catch((e: Error) => {
      console.error(e.message);
      process.exit(1);
    });
}
