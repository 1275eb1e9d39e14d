/** One ECharts instance bound to a div, tree-shaken to what the page draws (a directed graph, SVG renderer). */
import { GraphChart } from 'echarts/charts';
import { AriaComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'preact/hooks';

echarts.use([GraphChart, TooltipComponent, AriaComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** The chart is described by `label` (aria) and always sits next to a table with the same numbers. */
export function Chart({ option, label, height = 360, testId }: { option: ChartOption; label: string; height?: number; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (element === null) return;
    const chart = echarts.init(element, undefined, { renderer: 'svg' });
    chart.setOption(option);
    const observer = new ResizeObserver(() => chart.resize());
    observer.observe(element);
    return () => {
      observer.disconnect();
      chart.dispose();
    };
  }, [option]);
  return <div ref={host} class="chart" style={{ height: `${height}px` }} role="img" aria-label={label} data-testid={testId} />;
}
