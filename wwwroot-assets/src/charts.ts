// The chart island: Blazor components hand a small, data-only description of a chart to render()/update();
// ApexCharts 4.x (MIT, pinned: later releases left the open-source licence) draws it. Labels are formatted in
// the viewer's time zone, which the server passes with the data.
import ApexCharts from "apexcharts";
import "apexcharts/dist/apexcharts.css";
import "./apexcharts-legend.css";

type Unit = "bytes" | "bitrate" | "rate" | "percent" | "count";

interface SeriesSpec {
  name: string;
  points?: [number, number | null][];
  values?: number[];
  dashed?: boolean;
  color?: string;
}

interface MarkerSpec {
  x: number;
  label: string;
}

interface ChartSpec {
  type: "area" | "line" | "bar";
  height: number;
  unit: Unit;
  timeZone: string;
  dayLabels: boolean;
  stacked: boolean;
  horizontal: boolean;
  categories?: string[] | null;
  series: SeriesSpec[];
  markers: MarkerSpec[];
  title?: string;
}

const charts = new WeakMap<HTMLElement, ApexCharts>();

// ApexCharts injects a <style id="apexcharts-css"> unless that id exists; our CSP forbids inline styles, so
// the same CSS comes as a same-origin stylesheet with that id.
function ensureStylesheet(): void {
  if (document.getElementById("apexcharts-css")) return;
  const link = document.createElement("link");
  link.id = "apexcharts-css";
  link.rel = "stylesheet";
  link.href = new URL("./charts.css", import.meta.url).href;
  document.head.appendChild(link);
}

const units = ["", "K", "M", "G", "T", "P"];

function scaled(value: number, base: number, suffix: string): string {
  let v = Math.abs(value);
  let i = 0;
  while (v >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  const digits = v >= 100 || i === 0 ? 0 : v >= 10 ? 1 : 2;
  return `${value < 0 ? "-" : ""}${v.toFixed(digits)} ${units[i]}${suffix}`.replace("  ", " ");
}

export function formatValue(unit: Unit, value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  switch (unit) {
    case "bytes":
      return scaled(value, 1000, "B");
    case "bitrate":
      return scaled(value, 1000, "bit/s");
    case "rate":
      return value >= 1000 ? scaled(value, 1000, "/s") : `${value.toFixed(value >= 10 ? 0 : 2)}/s`;
    case "percent":
      return `${value.toFixed(1)} %`;
    default:
      return value >= 10000 ? scaled(value, 1000, "") : `${Math.round(value)}`;
  }
}

function timeFormatter(timeZone: string, dayLabels: boolean, full: boolean): (ms: number) => string {
  const format = new Intl.DateTimeFormat(undefined, {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    ...(dayLabels || full ? { month: "short", day: "numeric" } : {}),
    ...(full ? { second: "2-digit", timeZoneName: "short" } : {}),
  });
  return (ms: number) => format.format(new Date(ms));
}

function options(spec: ChartSpec): ApexCharts.ApexOptions {
  const dark = document.body.classList.contains("theme-dark");
  const axisLabel = timeFormatter(spec.timeZone, spec.dayLabels, false);
  const tooltipLabel = timeFormatter(spec.timeZone, spec.dayLabels, true);
  // The server sends null for time series charts.
  const isCategory = Array.isArray(spec.categories);
  const series = spec.series.map((s) =>
    isCategory ? { name: s.name, data: s.values ?? [] } : { name: s.name, data: (s.points ?? []).map(([x, y]) => ({ x, y })) },
  );
  const colors = spec.series.map((s, i) => s.color ?? palette[i % palette.length]);
  return {
    chart: {
      type: spec.type,
      height: spec.height,
      stacked: spec.stacked,
      animations: { enabled: false },
      toolbar: { show: false },
      zoom: { enabled: false },
      background: "transparent",
      fontFamily: "inherit",
    },
    theme: { mode: dark ? "dark" : "light" },
    colors,
    series: series as ApexAxisChartSeries,
    stroke: {
      width: spec.type === "bar" ? 0 : spec.series.map((s) => (s.dashed ? 1.5 : 2)),
      curve: "straight",
      dashArray: spec.series.map((s) => (s.dashed ? 5 : 0)),
    },
    fill: spec.type === "area" ? { type: "solid", opacity: spec.series.map((s) => (s.dashed ? 0 : 0.25)) } : { opacity: 1 },
    dataLabels: { enabled: false },
    legend: { show: spec.series.length > 1, position: "top", horizontalAlign: "left" },
    plotOptions: { bar: { horizontal: spec.horizontal, borderRadius: 2 } },
    grid: { borderColor: dark ? "#3a3f4b" : "#e3e6ea" },
    xaxis: isCategory
      ? { categories: spec.categories ?? [], tickAmount: 3, labels: spec.horizontal ? { formatter: (v: string) => formatValue(spec.unit, Number(v)) } : {} }
      : { type: "datetime", labels: { datetimeUTC: false, formatter: (_v: string, ts?: number) => axisLabel(ts ?? 0) } },
    yaxis: {
      labels: spec.horizontal ? {} : { formatter: (v: number) => formatValue(spec.unit, v) },
      min: spec.unit === "percent" ? 0 : undefined,
      max: spec.unit === "percent" ? 100 : undefined,
    },
    tooltip: {
      theme: dark ? "dark" : "light",
      x: isCategory ? {} : { formatter: (v: number) => tooltipLabel(v) },
      y: { formatter: (v: number) => formatValue(spec.unit, v) },
    },
    annotations: {
      xaxis: spec.markers.map((m) => ({
        x: m.x,
        strokeDashArray: 2,
        borderColor: dark ? "#c9ced6" : "#4a4f57",
        label: { text: m.label, orientation: "horizontal", style: { background: dark ? "#2b2f38" : "#fff", color: dark ? "#e6e9ee" : "#222" } },
      })),
    },
    noData: { text: "No traffic in this window" },
  };
}

const palette = ["#1e88e5", "#43a047", "#fb8c00", "#8e24aa", "#e53935", "#00897b", "#6d4c41", "#3949ab", "#c0ca33", "#d81b60"];

function mark(el: HTMLElement, spec: ChartSpec): void {
  el.dataset.series = String(spec.series.length);
  el.dataset.points = String(spec.series.reduce((n, s) => n + (s.points?.length ?? s.values?.length ?? 0), 0));
  el.dataset.rendered = String(Number(el.dataset.rendered ?? "0") + 1);
}

export async function render(el: HTMLElement, spec: ChartSpec): Promise<void> {
  ensureStylesheet();
  destroy(el);
  const chart = new ApexCharts(el, options(spec));
  charts.set(el, chart);
  await chart.render();
  mark(el, spec);
}

export async function update(el: HTMLElement, spec: ChartSpec): Promise<void> {
  const chart = charts.get(el);
  if (!chart) {
    await render(el, spec);
    return;
  }
  await chart.updateOptions(options(spec), true, false, false);
  mark(el, spec);
}

export function destroy(el: HTMLElement): void {
  const chart = charts.get(el);
  if (chart) {
    chart.destroy();
    charts.delete(el);
  }
}

/** The browser's IANA time zone: the graphs' default until the user picks one in the portal. */
export function timeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
