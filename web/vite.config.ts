import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI is served by `berth server` at /; `npm run dev:web` proxies the API to a local server.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://127.0.0.1:7420' } },
});
