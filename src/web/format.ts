/** Small formatting helpers shared by routes and views. Pure; no HTML escaping here (EJS does that). */

/** Seconds as m:ss, truncated like a media player's clock (minutes are not wrapped into hours). Negative or non-finite input gives 0:00. */
export function formatTime(s: number): string {
  const total = Number.isFinite(s) && s > 0 ? Math.floor(s + 1e-6) : 0;
  const m = Math.floor(total / 60);
  const sec = total % 60;
  return `${m}:${sec.toString().padStart(2, '0')}`;
}

/** A similarity in [0, 1] as a percentage for a bar width, clamped. */
export function percent(similarity: number): number {
  if (!Number.isFinite(similarity)) return 0;
  return Math.round(Math.min(1, Math.max(0, similarity)) * 1000) / 10;
}

/** What to call a catalogue track: its title, else its file name without folders or extension. */
export function trackLabel(t: { title: string | null; path: string }): string {
  if (t.title && t.title.trim() !== '') return t.title;
  const base = t.path.split(/[\\/]/).pop() ?? t.path;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** A client-supplied file name made safe to show (escaping is still the view's job): no control characters, bounded length. */
export function displayName(name: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const clean = (name ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (clean === '') return 'your upload';
  return clean.length > 120 ? `${clean.slice(0, 117)}…` : clean;
}
