// Formatting shared by the pages: byte counts and durations as people read them.

export function formatBytes(n) {
  if (!isFinite(n)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? n : n.toFixed(n < 10 ? 1 : 0)) + ' ' + units[i];
}

export function formatDuration(seconds) {
  if (!isFinite(seconds) || seconds < 0) return '–';
  seconds = Math.round(seconds);
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  const mm = (h ? String(m).padStart(2, '0') : String(m));
  return (h ? h + ':' : '') + mm + ':' + String(s).padStart(2, '0');
}
