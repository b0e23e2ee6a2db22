// echarts-slim.js: the entry of the dashboards' own ECharts build
// (scripts/assets.sh bundles it with esbuild into assets/vendor/echarts.min.js).
// Only the chart types and components the pages draw are registered: the
// full build is 1 MB, four fifths of a first visit's bytes on a slow network.
// A chart type or component the pages start to use must be added here (the
// browser test TestBrowserSlimECharts fails on a series that is not drawn).
import { format, getInstanceByDom, getMap, init, registerMap, use } from "echarts/core";
import { BarChart, CustomChart, LineChart, MapChart } from "echarts/charts";
import {
  GeoComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

use([
  BarChart, LineChart, MapChart,
  // Custom for what app.js draws itself: the intervals' whiskers, the
  // rules across a chart (reference values, targets, suppressed points) and
  // the map's classes. They replace MarkLine and VisualMap, 14 KB of a
  // first visit (a chart's text description is the page's, a11y.go: no Aria).
  CustomChart,
  GeoComponent, GridComponent, LegendComponent, TooltipComponent,
  CanvasRenderer
]);

// The pages' script (assets/app.js), the map scripts and the browser tests
// use the global, as with the full build, but only these functions of it:
// the whole namespace would keep every export of echarts/core (2 KB more).
window.echarts = { format, getInstanceByDom, getMap, init, registerMap };
