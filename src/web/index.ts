export { createApp, DEFAULT_CSV_TTL_MS, DEFAULT_MAX_UPLOAD_BYTES, type AppOptions, type WebApp } from './app.js';
export { formatTime } from './format.js';
export { HttpError } from './errors.js';
