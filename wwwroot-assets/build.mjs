// Bundles the portal's CSS and TypeScript islands into Speedera.Web/wwwroot/dist.
import { build } from "esbuild";

await build({
  entryPoints: { site: "src/site.ts" },
  outdir: "../Speedera.Web/wwwroot/dist",
  entryNames: "[name]",
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2022"],
  logLevel: "warning",
});
