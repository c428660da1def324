// Projects Natural Earth country shapes (npm world-atlas, 1:110m) once at build time into SVG path data, so the
// portal draws the map itself: no tile server, no network. The server places POPs and colours countries with
// the same projection (Natural Earth I; its scale and offset are written beside the paths).
import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { feature } from "topojson-client";
import { geoNaturalEarth1, geoPath } from "d3-geo";
import countries from "i18n-iso-countries";

const width = 960;
const height = 500;

export async function writeWorldMap(file) {
  const topology = JSON.parse(await readFile(new URL("./node_modules/world-atlas/countries-110m.json", import.meta.url), "utf8"));
  const collection = feature(topology, topology.objects.countries);
  const projection = geoNaturalEarth1().fitExtent([[4, 4], [width - 4, height - 4]], { type: "Sphere" });
  const path = geoPath(projection).digits(1);
  const shapes = collection.features
    .map((f) => ({
      // ISO 3166-1 numeric id -> alpha-2 (the IP database's code); a few disputed areas have none.
      id: (f.id && countries.numericToAlpha2(f.id)) || "",
      name: f.properties.name,
      d: path(f) ?? "",
    }))
    .filter((c) => c.d !== "" && c.name !== "Antarctica")
    .sort((a, b) => a.name.localeCompare(b.name));
  const [tx, ty] = projection.translate();
  const map = {
    source: "Natural Earth 1:110m via world-atlas 2.0.2 (public domain)",
    width,
    height,
    scale: projection.scale(),
    translateX: tx,
    translateY: ty,
    sphere: path({ type: "Sphere" }),
    countries: shapes,
  };
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(map));
}
