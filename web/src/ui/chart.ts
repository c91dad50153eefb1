/** A live line chart (uPlot): x = training step, one or more series appended as training goes. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LiveChart {
  push(x: number, ys: (number | null)[]): void;
  reset(): void;
}

export function liveChart(target: HTMLElement, title: string, series: { label: string; color: string; percent?: boolean }[], width = 420, height = 200): LiveChart {
  const data: (number | null)[][] = [[], ...series.map(() => [])];
  const plot = new uPlot(
    {
      title,
      width,
      height,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, {}],
      series: [{ label: 'step' }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, spanGaps: true, value: (_: uPlot, v: number | null) => (v === null ? '–' : s.percent ? `${(v * 100).toFixed(1)}%` : v.toFixed(3)) }))],
    },
    data as uPlot.AlignedData,
    target,
  );
  return {
    push(x, ys) {
      data[0].push(x);
      ys.forEach((y, i) => data[i + 1].push(y));
      plot.setData(data as uPlot.AlignedData);
    },
    reset() {
      for (const column of data) column.length = 0;
      plot.setData(data as uPlot.AlignedData);
    },
  };
}
