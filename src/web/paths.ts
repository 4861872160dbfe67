import { fileURLToPath } from 'node:url';

/**
 * Template and static-asset folders. This file lives in src/web/ (tsx, vitest) or dist/web/ (compiled);
 * both are two levels below the project root, so the same relative URL works for either.
 */
export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
