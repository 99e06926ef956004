import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The workspace is served by `loopgate serve` at `/`; in development `vite` proxies the API to it.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  server: {
    proxy: { "/v1": { target: process.env.LOOPGATE_URL ?? "http://127.0.0.1:8080", changeOrigin: false } },
  },
});
