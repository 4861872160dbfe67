/**
 * Peak memory of analysing one long file, `npx tsx scripts/bench-memory.ts [--minutes 5,25,50]`: joins the
 * MP3s that bench-ingest.ts prepares (ffmpeg concat, no re-encoding) into files of about those lengths and
 * analyses each in a fresh process (analyseFile as `index` runs it: whole track + segments), reporting the
 * process's peak resident memory. Each also against the way it was done before streaming: decodeFile (whole
 * signal in memory) + describe().
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { prepareMp3s } from './bench-ingest.js';

const here = import.meta.dirname;

if (process.argv[2] === '--one') {
  const [file, how] = [process.argv[3], process.argv[4]];
  const t0 = performance.now();
  let duration: number;
  if (how === 'whole') {
    const { decodeFile } = await import('../src/audio/decode.js');
    const { describe } = await import('../src/features/vector.js');
    const audio = await decodeFile(file);
    duration = describe(audio.samples, audio.sampleRate).duration_s;
  } else {
    const { analyseFile } = await import('../src/features/analyse.js');
    duration = (await analyseFile(file)).duration_s;
  }
  console.log(JSON.stringify({ duration, seconds: (performance.now() - t0) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const at = process.argv.indexOf('--minutes');
const minutes = (at > 0 ? process.argv[at + 1] : '5,25,50').split(',').map(Number);
const mp3s = prepareMp3s();
const seconds = (f: string) => Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', f]).toString());
const lengths = mp3s.map(seconds);
const dir = '/tmp/gm-bench-long';
fs.mkdirSync(dir, { recursive: true });
console.log('| audio | analyseFile (streamed) peak RSS | s | decodeFile + describe peak RSS | s |');
console.log('|---|---|---|---|---|');
for (const m of minutes) {
  const out = path.join(dir, `${m}min.mp3`);
  if (!fs.existsSync(out)) {
    const list: string[] = [];
    for (let total = 0, i = 0; total < m * 60; i++) {
      list.push(`file '${mp3s[i % mp3s.length]}'`);
      total += lengths[i % mp3s.length];
    }
    fs.writeFileSync(`${out}.txt`, list.join('\n'));
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', `${out}.txt`, '-c', 'copy', out]);
  }
  const run = (how: string) => {
    const r = spawnSync('npx', ['tsx', path.join(here, 'bench-memory.ts'), '--one', out, how], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { duration: number; seconds: number; maxRssMb: number };
  };
  const s = run('stream');
  const w = run('whole');
  console.log(`| ${(s.duration / 60).toFixed(1)} min | ${s.maxRssMb.toFixed(0)} MB | ${s.seconds.toFixed(1)} | ${w.maxRssMb.toFixed(0)} MB | ${w.seconds.toFixed(1)} |`);
}
