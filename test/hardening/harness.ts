import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServingRecommender, type ServingOptions, type ServingRecommender } from '../../src/recommend/reload.js';
import { encodeWav, mulberry32 } from '../../src/synth/index.js';
import { createApp, type AppOptions } from '../../src/web/app.js';

export interface Serving {
  base: string;
  port: number;
  server: http.Server;
  rec: ServingRecommender;
  uploadsDir: string;
  close(): Promise<void>;
}

/** The production wiring (serving recommender + app) on a loopback port, as `serve` does it. */
export async function startServing(
  dataDir: string,
  uploadsDir: string,
  rec: ServingOptions = {},
  app: Partial<AppOptions> = {},
): Promise<Serving> {
  const recommender = createServingRecommender(dataDir, { workers: 2, watchMs: 0, ...rec });
  const web = createApp({
    recommender,
    uploadsDir,
    busy: () => recommender.saturated(),
    maxAnalysisSeconds: rec.maxSeconds,
    rateLimit: false,
    ...app,
  });
  const server = web.app.listen(0, '127.0.0.1');
  await new Promise<void>((r) => server.once('listening', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    server,
    rec: recommender,
    uploadsDir,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      web.close();
      await recommender.close();
    },
  };
}

export interface RawReply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * POST raw bytes (or a stream of chunks) with exactly the headers given. Resolves on the first response,
 * even while the body is still being sent: a server may answer 413 before reading it all.
 */
export function rawPost(
  port: number,
  urlPath: string,
  headers: http.OutgoingHttpHeaders,
  body: Uint8Array | (() => Iterable<Uint8Array>),
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: urlPath, headers, agent: false });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers });
        req.destroy();
      });
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    // Writing after the server has answered and closed is expected for refused uploads.
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (body instanceof Uint8Array) {
      req.end(body);
      return;
    }
    const it = body()[Symbol.iterator]();
    const pump = (): void => {
      while (!answered && !req.destroyed) {
        const next = it.next();
        if (next.done) {
          req.end();
          return;
        }
        if (!req.write(next.value)) {
          req.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

export interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  data: Uint8Array | string;
}

/** A multipart/form-data body built by hand, so names and headers can be as hostile as needed. */
export function multipart(parts: Part[], boundary = 'gmFuzzBoundary7MA4YWxk'): { body: Buffer; type: string } {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(head + '\r\n', 'utf8'), Buffer.from(p.data), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

/** Wait until the uploads folder is empty (deletes run after the response); returns what is left. */
export async function leftInUploads(dir: string, waitMs = 3000): Promise<string[]> {
  const until = Date.now() + waitMs;
  for (;;) {
    const left = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (left.length === 0 || Date.now() > until) return left.map((f) => path.join(dir, f));
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A kick on each beat and a noise hat between: cheap, distinct per seed, long enough to index. */
export function clickTrack(bpm: number, seed: number, seconds = 8): Uint8Array {
  const rate = 22050;
  const r = mulberry32(seed);
  const x = new Float32Array(rate * seconds);
  const beat = 60 / bpm;
  for (let i = 0; i < x.length; i++) {
    const t = i / rate;
    const b = t % beat;
    const h = t % (beat / 2);
    x[i] = Math.exp(-b * 30) * Math.sin(2 * Math.PI * 60 * b) * 0.8 + Math.exp(-h * 80) * (r() - 0.5) * 0.4;
  }
  return encodeWav(x, rate);
}
