// Bundles the portal's CSS and TypeScript islands into Speedera.Web/wwwroot/dist, and projects the world map.
import { build } from "esbuild";
import { writeWorldMap } from "./worldmap.mjs";

const outdir = "../Speedera.Web/wwwroot/dist";

await build({
  // charts is its own module: pages that draw no chart never load ApexCharts.
  entryPoints: { site: "src/site.ts", charts: "src/charts.ts" },
  outdir,
  entryNames: "[name]",
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2022"],
  logLevel: "warning",
});

await writeWorldMap(`${outdir}/world.json`);
