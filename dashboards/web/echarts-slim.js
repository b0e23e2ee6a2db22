// echarts-slim.js: the entry of the dashboards' own ECharts build
// (scripts/assets.sh bundles it with esbuild into assets/vendor/echarts.min.js).
// Only the chart types and components the pages draw are registered: the
// full build is 1 MB, four fifths of a first visit's bytes on a slow network.
// A chart type or component the pages start to use must be added here (the
// browser test TestBrowserSlimECharts fails on a series that is not drawn).
import * as echarts from "echarts/core";
import { BarChart, CustomChart, LineChart, MapChart } from "echarts/charts";
import {
  AriaComponent,
  GeoComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  VisualMapComponent
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart, LineChart, MapChart,
  // Custom for the intervals' whiskers (completeness).
  CustomChart,
  // MarkLine for a threshold drawn across a chart (70% and 90% complete),
  // Aria for the charts' generated descriptions (screen readers).
  // VisualMap whole (continuous and piecewise): the map may use classes.
  AriaComponent, GeoComponent, GridComponent, LegendComponent, MarkLineComponent,
  TooltipComponent, VisualMapComponent,
  CanvasRenderer
]);

// The pages' script (assets/app.js) and the map scripts use the global, as
// with the full build.
window.echarts = echarts;
